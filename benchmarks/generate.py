"""Source files analysed and rendered per second by ``test_generation``, without the Jest check.

1,000 TypeScript sources are generated (services with classes, routes, config modules, utility
functions; seeded, so every run sees the same files) into a temporary project, then planned by the
handler's own code path: analysis, layout, template context, rendering and the ownership header.
Running Jest on the result is left out: it is the target's cost, not ours. Goal: >= 300 files/s.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from pytest_orchestrate.roadmap.model import TestGenerationTask
from pytest_orchestrate.tasks.test_generation.handler import plan_scripts
from pytest_orchestrate.tasks.workspace import Workspace

SOURCES = 1000
SEED = 20261129

SERVICE = """\
import {{ Repository }} from '../repositories/types';
import {{ NotFoundError, ValidationError }} from '../utils/errors';
import {{ generateId }} from '../utils/ids';

export type {name}Status = 'draft' | 'active' | 'archived';

export interface {name} {{
  id: string;
  title: string;
  status: {name}Status;
  score?: number;
}}

export function normalize{name}Title(title: string, max = 80): string {{
  const trimmed = title.trim();
  if (trimmed.length === 0) throw new ValidationError('title is required');
  return trimmed.slice(0, max);
}}

export class {name}Service {{
  constructor(
    private readonly items: Repository<{name}>,
    private readonly now: () => Date = () => new Date(),
  ) {{}}
{methods}
}}
"""
METHOD = """
  async {verb}{name}(id: string, changes: Partial<{name}> = {{}}): Promise<{name}> {{
    const found = await this.items.findById(id);
    if (!found) throw new NotFoundError('{name}', id);
    if (changes.status === 'archived' && found.status === 'draft') {{
      throw new ValidationError('a draft cannot be archived');
    }}
    return this.items.save({{ ...found, ...changes, id: found.id ?? generateId('{prefix}') }});
  }}
"""
ROUTES = """\
import {{ Router }} from 'express';
import {{ {name}Controller }} from '../controllers/{lower}.controller';
import {{ requireAuth }} from '../middleware/auth';

export const router = Router();
{routes}
export default router;
"""
CONFIG = """\
import {{ readInt, readString }} from './env';

export interface {name}Config {{ url: string; port: number; retries: number }}

export function load{name}Config(
  env: Record<string, string | undefined> = process.env,
): {name}Config {{
  const url = readString(env, '{upper}_URL', 'http://localhost');
  if (!url.startsWith('http')) throw new Error('{upper}_URL must be a URL');
  const retries = Number(process.env.{upper}_RETRIES ?? 3);
  return {{ url, port: readInt(env, '{upper}_PORT', 8080), retries }};
}}

export const {lower}Config = load{name}Config();
"""


def make_project(root: Path, rng: random.Random) -> list[str]:
    """The project's files; returns the sources to generate tests for."""
    (root / "jest.config.js").write_text(
        "module.exports = { preset: 'ts-jest', roots: ['<rootDir>/src', '<rootDir>/tests'] };\n"
    )
    (root / "tests").mkdir()
    sources: list[str] = []
    for i in range(SOURCES):
        name = f"Item{i}"
        kind = i % 4
        if kind in (0, 1):
            verbs = rng.sample(
                ["update", "publish", "archive", "restore", "rename", "rate", "tag"],
                k=rng.randint(2, 6),
            )
            methods = "".join(METHOD.format(verb=v, name=name, prefix=f"i{i}") for v in verbs)
            rel, text = (
                f"src/services/item{i}.service.ts",
                SERVICE.format(name=name, methods=methods),
            )
        elif kind == 2:
            lines = [
                f"router.{verb}('/{name.lower()}{path}', requireAuth, {name}Controller.{verb}{n});"
                for n, (verb, path) in enumerate(
                    rng.sample(
                        [
                            ("get", ""),
                            ("get", "/:id"),
                            ("post", ""),
                            ("patch", "/:id"),
                            ("delete", "/:id"),
                        ],
                        k=4,
                    )
                )
            ]
            rel, text = (
                f"src/routes/item{i}.routes.ts",
                ROUTES.format(name=name, lower=name.lower(), routes="\n".join(lines)),
            )
        else:
            rel = f"src/config/item{i}.ts"
            text = CONFIG.format(name=name, lower=name.lower(), upper=name.upper())
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        sources.append(rel)
    return sources


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        sources = make_project(root, random.Random(SEED))
        task = TestGenerationTask(
            id="bench",
            name="bench",
            type="test_generation",
            source=sources,
            estimated_tests=len(sources) * 5,
        )
        plan_scripts(
            task, Workspace(root, dry_run=True), sources[:20], False
        )  # warm up: grammars, templates
        start, cpu_start = time.perf_counter(), time.process_time()
        plans = plan_scripts(task, Workspace(root, dry_run=True), sources, False)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    tests = sum(p.tests for p in plans)
    todos = sum(p.todos for p in plans)
    print(
        f"{len(plans)} TS sources analysed and rendered in {seconds:.2f} s wall, {cpu:.2f} s CPU: "
        f"{len(plans) / seconds:.0f} files/s wall, {len(plans) / cpu:.0f} files/s per CPU second "
        f"(goal >= 300/s); {tests} tests and {todos} to-dos written"
    )
    # On a shared machine the wall figure includes time spent waiting for a core.


if __name__ == "__main__":
    main()
