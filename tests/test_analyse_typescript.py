"""The TS/JS analyser on tricky sources: what it finds, and what it reports it cannot."""

from __future__ import annotations

from pytest_orchestrate.analyse.typescript import analyse_source


def test_overloads_count_once_with_the_implementations_arity() -> None:
    info = analyse_source(
        """
export function pick(a: string): string;
export function pick(a: string, b: number): string;
export function pick(a: string, b = 1): string { return a.repeat(b); }

export class Store {
  get(key: string): string;
  get(key: string, fallback: string): string;
  get(key: string, fallback?: string): string { return fallback ?? key; }
}
""",
        "src/pick.ts",
    )
    pick = info.export("pick")
    assert pick is not None and pick.function is not None
    assert [e.name for e in info.exports] == ["pick", "Store"]
    assert pick.function.arity == 1  # `b = 1` stops Function.length
    store = info.export("Store")
    assert store is not None and store.cls is not None
    methods = store.cls.public_methods()
    assert [(m.name, m.function.arity if m.function else None) for m in methods] == [("get", 2)]


def test_abstract_methods_are_listed_but_not_public_runtime_methods() -> None:
    info = analyse_source(
        """
export abstract class Shape {
  abstract area(): number;
  describe(prefix: string): string { return prefix + this.area(); }
  protected secret(): void {}
  private hidden(): void {}
  #priv(): void {}
  static unit(this: void, size = 1): number { return size; }
}
""",
        "src/shape.ts",
    )
    shape = info.classes[0]
    assert shape.abstract
    assert {m.name: m.abstract for m in shape.members if m.kind == "method"} == {
        "area": True,
        "describe": False,
        "secret": False,
        "hidden": False,
        "#priv": False,
        "unit": False,
    }
    assert [m.name for m in shape.public_methods()] == ["describe"]
    statics = shape.public_methods(static=True)
    assert [(m.name, m.function.arity if m.function else None) for m in statics] == [("unit", 0)]


def test_constructor_parameter_properties_keep_type_default_and_modifiers() -> None:
    info = analyse_source(
        """
export class UserService {
  constructor(
    private readonly repo: Repository<User>,
    public name?: string,
    private readonly now: () => Date = () => new Date(),
    ...rest: string[]
  ) {}
}
""",
        "src/user.ts",
    )
    constructor = info.classes[0].constructor
    assert constructor is not None
    repo, name, now, rest = constructor.params
    assert (repo.name, repo.type, repo.modifiers, repo.is_property) == (
        "repo",
        "Repository<User>",
        ("private", "readonly"),
        True,
    )
    assert name.optional and name.default is None and name.modifiers == ("public",)
    assert now.default == "() => new Date()" and now.type == "() => Date"
    assert rest.rest and rest.type == "string[]"
    assert constructor.arity == 2  # an optional parameter without a default still counts
    assert info.classes[0].simple_constructor


def test_a_constructor_with_logic_is_not_simple() -> None:
    info = analyse_source(
        "export class T { constructor(private o: { secret: string }) {\n"
        "  if (o.secret.length < 3) throw new Error('x');\n} }",
        "src/t.ts",
    )
    assert not info.classes[0].simple_constructor


def test_export_aliases_and_re_exports() -> None:
    info = analyse_source(
        """
import { helper } from './helper';
const a = (x: number, y: number) => x + y;
function b() {}
export { a as add, b };
export { helper as reexported };
export { thing as other } from './things';
export * from './everything';
export * as ns from './namespace';
export type { Shape } from './shape';
""",
        "src/index.ts",
    )
    kinds = {e.name: (e.kind, e.local, e.source) for e in info.exports}
    assert kinds == {
        "add": ("function", "a", None),
        "b": ("function", "b", None),
        "reexported": ("reexport", "helper", "./helper"),
        "other": ("reexport", "thing", "./things"),
        "*": ("reexport", None, "./everything"),
        "ns": ("reexport", None, "./namespace"),
    }
    add = info.export("add")
    assert add is not None and add.function is not None and add.function.arity == 2
    helper = next(i for i in info.imports if i.source == "./helper")
    assert (
        helper.usage == "value" and helper.mock == "real"
    )  # re-exported: the real module is needed


def test_decorators_are_recorded_and_make_their_import_real() -> None:
    info = analyse_source(
        """
import { Injectable, Get } from './di';
@Injectable()
export class Controller {
  @Get('/x')
  list(query: string) { return query; }
}
""",
        "src/controller.ts",
    )
    controller = info.classes[0]
    assert controller.decorators == ("@Injectable()",)
    assert controller.members[0].decorators == ("@Get('/x')",)
    assert info.imports[0].usage == "called_used"


def test_default_exported_anonymous_arrow_and_class() -> None:
    arrow = analyse_source("export default async (req, res, next) => { next(); };", "src/mw.js")
    export = arrow.export("default")
    assert export is not None and export.kind == "function" and export.function is not None
    assert export.function.is_async and export.function.arity == 3
    cls = analyse_source("export default class { run() {} }", "src/anon.ts")
    default = cls.export("default")
    assert default is not None and default.kind == "class"


def test_tsx_components_parse_with_the_tsx_grammar() -> None:
    info = analyse_source(
        """
import React from 'react';
export function Badge({ label }: { label: string }) { return <span className="b">{label}</span>; }
export const List = (props: { items: string[] }) =>
  <ul>{props.items.map((i) => <li key={i}>{i}</li>)}</ul>;
""",
        "src/Badge.tsx",
    )
    assert info.language == "tsx"
    assert not info.syntax_errors
    assert [(e.name, e.kind) for e in info.exports] == [("Badge", "function"), ("List", "function")]


def test_commonjs_exports_and_requires() -> None:
    info = analyse_source(
        """
const path = require('path');
const { join, resolve: res } = require('./paths');
require('./polyfill');
function build(a, b = 2) { return join(a, b); }
module.exports = { build, version: '1.0', helper(x) { return x; } };
module.exports.extra = function (a, b) {};
exports.flag = true;
""",
        "lib/build.js",
    )
    assert info.commonjs
    assert {e.name: e.kind for e in info.exports} == {
        "build": "function",
        "version": "value",
        "helper": "function",
        "extra": "function",
        "flag": "value",
    }
    assert info.export("extra").function.arity == 2  # type: ignore[union-attr]
    sources = {
        i.source: (i.require, i.usage, [(b.local, b.imported) for b in i.bindings])
        for i in info.imports
    }
    assert sources == {
        "path": (True, "unused", [("path", "*")]),
        "./paths": (True, "unused", [("join", "join"), ("res", "resolve")]),
        "./polyfill": (True, "side_effect", []),
    }
    assert next(i for i in info.imports if i.source == "./polyfill").mock == "empty"


def test_module_exports_of_a_single_function_is_the_default_export() -> None:
    info = analyse_source("module.exports = function handler(req, res) {};", "lib/h.js")
    export = info.export("default")
    assert export is not None and export.commonjs and export.function is not None
    assert export.function.arity == 2


def test_async_generators_and_getters() -> None:
    info = analyse_source(
        """
export async function* pages(size: number) { yield size; }
export class Feed {
  async *items(limit = 10) { yield limit; }
  get size(): number { return 1; }
  set size(v: number) {}
}
""",
        "src/feed.ts",
    )
    pages = info.export("pages")
    assert pages is not None and pages.function is not None
    assert pages.function.is_async and pages.function.is_generator and pages.function.arity == 1
    feed = info.classes[0]
    items = feed.public_methods()[0].function
    assert items is not None and items.is_generator and items.arity == 0
    assert sorted(m.kind for m in feed.accessors()) == ["getter", "setter"]


def test_route_chains_and_mounts() -> None:
    info = analyse_source(
        """
import { Router } from 'express';
import * as users from './users.controller';
import { auth } from './auth';
const router = Router();
router.route('/users/:id').get(users.show).put(auth, users.update).delete(users.remove);
router.get('/health', (_req, res) => res.send('ok'));
router.use('/admin', adminRouter);
export default router;
""",
        "src/routes/users.routes.ts",
    )
    assert [(r.method, r.path, r.mockable) for r in info.routes] == [
        ("get", "/users/:id", True),
        ("put", "/users/:id", False),  # `auth` is passed as a value at load time: kept real
        ("delete", "/users/:id", True),
        ("get", "/health", False),
    ]
    assert [(m.prefix, m.handler) for m in info.mounts] == [("/admin", "adminRouter")]
    users = next(i for i in info.imports if i.source == "./users.controller")
    assert users.usage == "property" and users.mock == "factory"
    assert users.load_paths == ("users.show", "users.update", "users.remove")


def test_app_use_mounts_name_their_import() -> None:
    info = analyse_source(
        """
import express from 'express';
import { router as usersRouter } from './routes/users.routes';
export function createApp() {
  const app = express();
  app.use('/api/users', usersRouter);
  return app;
}
""",
        "src/app.ts",
    )
    mount = info.mounts[0]
    assert (mount.prefix, mount.source, mount.imported, mount.at_load) == (
        "/api/users",
        "./routes/users.routes",
        "router",
        False,
    )


def test_imports_are_classified_by_load_time_use_in_one_pass() -> None:
    info = analyse_source(
        """
import type { T } from './types';
import { Shape } from './shape';
import { used } from './later';
import config from './config';
import dotenv from 'dotenv';
import { wrap } from './wrap';
import { Base } from './base';
import { logger } from './logger';
import './side-effect';
dotenv.config();
const port = config.server.port;
export const handler = wrap(() => used());
export class Impl extends Base {}
logger.info('loaded');
export function f(s: Shape): T { return s as unknown as T; }
""",
        "src/mixed.ts",
    )
    usage = {i.source: (i.usage, i.mock) for i in info.imports}
    assert usage == {
        "./types": ("type_only", "none"),
        "./shape": ("type_only", "none"),
        "./later": ("unused", "factory"),  # only used inside a function body
        "./config": ("property", "factory"),
        "dotenv": ("called_discarded", "factory"),
        "./wrap": ("called_used", "real"),
        "./base": ("extended", "real"),
        "./logger": ("called_discarded", "factory"),
        "./side-effect": ("side_effect", "empty"),
    }
    assert next(i for i in info.imports if i.source == "./config").load_paths == (
        "config.server.port",
    )


def test_env_reads_with_defaults_and_load_time() -> None:
    info = analyse_source(
        """
import { readString } from './env';
const port = process.env.PORT ?? '3000';
const { SECRET, LEVEL = 'info' } = process.env;
export function load(env = process.env) {
  const url = readString(env, 'DATABASE_URL', 'postgres://x');
  return { url, key: readString(env, 'API_KEY'), mode: env.MODE };
}
export function later() { return process.env['LATER']; }
export const config = load();
""",
        "src/config/app.ts",
    )
    reads = {(r.name, r.at_load, r.has_default) for r in info.env_reads}
    assert reads == {
        ("PORT", True, True),
        ("SECRET", True, False),
        ("LEVEL", True, True),
        ("DATABASE_URL", True, True),
        ("API_KEY", True, False),
        ("MODE", True, False),
        ("LATER", False, False),  # read only when later() is called, never while loading
    }


def test_types_and_literals_for_input_synthesis() -> None:
    info = analyse_source(
        """
export type Role = 'student' | 'admin';
export interface User { id: string; name?: string; readonly role: Role; save(x: number): void }
export enum Level { Low = 1, High = 'high', Bare }
const ROLES = ['student', 'admin'];
export function check(u: User, n: number) {
  if (u.role === 'admin' && n > 10) return ROLES.includes(u.id);
  switch (u.id) { case 'root': return true; }
  throw new RangeError('bad');
}
""",
        "src/types.ts",
    )
    role = info.type_decl("Role")
    assert role is not None and role.string_values == ("student", "admin")
    user = info.type_decl("User")
    assert user is not None
    assert [(f.name, f.type, f.optional, f.readonly, f.method) for f in user.fields] == [
        ("id", "string", False, False, False),
        ("name", "string", True, False, False),
        ("role", "Role", False, True, False),
        ("save", "(x: number): void", False, False, True),
    ]
    level = info.type_decl("Level")
    assert level is not None and level.members == (("Low", "1"), ("High", "'high'"), ("Bare", None))
    literals = {(lit.value, lit.context) for lit in info.literals}
    assert {
        ("admin", "compare"),
        (10, "condition"),
        ("root", "case"),
        ("student", "includes"),
        (1, "enum"),
        ("high", "enum"),
        ("student", "union"),
    } <= literals
    check = info.export("check")
    assert (
        check is not None
        and check.function is not None
        and check.function.throws == ("RangeError",)
    )


def test_resolver_maps_and_sdl_strings() -> None:
    info = analyse_source(
        """
export const typeDefs = `type Query { me: User }`;
export const resolvers = {
  Query: { me: () => null, user(_p: unknown, args: { id: string }) { return args.id; } },
  User: { name: (u: { name: string }) => u.name },
};
""",
        "src/graphql/resolvers.ts",
    )
    assert info.resolver_maps[0].types == (("Query", ("me", "user")), ("User", ("name",)))
    assert info.string_exports == (("typeDefs", "type Query { me: User }"),)


def test_entry_files_that_listen_are_flagged() -> None:
    info = analyse_source(
        "import { createApp } from './app';\nconst app = createApp();\napp.listen(3000);\n",
        "src/server.ts",
    )
    assert info.starts_server
    quiet = analyse_source("export function start(app: any) { app.listen(3000); }", "src/start.ts")
    assert not quiet.starts_server


def test_syntax_errors_are_reported_with_their_line() -> None:
    info = analyse_source(
        "export function ok() {}\n\nexport function broken( {\n  return 1;\n", "src/bad.ts"
    )
    assert info.syntax_errors
    assert info.syntax_errors[0].line in (3, 4, 5)
    assert "syntax error" in info.syntax_errors[0].message


def test_what_is_not_understood_becomes_a_note() -> None:
    info = analyse_source(
        """
export const { a, b } = makePair();
export namespace Legacy { export const x = 1; }
export class K { [Symbol.iterator]() {} }
router.get(pathVariable, handler);
const router = Router();
""",
        "src/odd.ts",
    )
    messages = " | ".join(str(n) for n in info.notes)
    assert "destructured export" in messages
    assert "namespace Legacy" in messages
    assert "computed name" in messages
    assert all(n.line > 0 for n in info.notes)


def test_jest_mock_calls_are_listed() -> None:
    info = analyse_source(
        "jest.mock('../src/db');\njest.mock('axios', () => ({}));\n", "tests/setup.ts"
    )
    assert info.jest_mocks == ("../src/db", "axios")
