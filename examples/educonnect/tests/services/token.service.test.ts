import { TokenService } from '../../src/services/token.service';
import { AuthenticationError } from '../../src/utils/errors';

const options = { secret: 'x'.repeat(32), issuer: 'educonnect-test', accessTtlSeconds: 900 };

describe('TokenService', () => {
  let now = 1_700_000_000;
  const service = new TokenService(options, () => now);

  beforeEach(() => {
    now = 1_700_000_000;
  });

  it('round-trips the subject, role and session id', () => {
    const token = service.sign('usr_1', 'instructor', 'sess_1');
    expect(service.verify(token)).toMatchObject({ sub: 'usr_1', role: 'instructor', sid: 'sess_1', exp: now + 900 });
  });

  it('rejects a tampered token', () => {
    const [header, , signature] = service.sign('usr_1', 'student').split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'usr_1', role: 'admin' })).toString('base64url');
    expect(() => service.verify(`${header}.${forged}.${signature}`)).toThrow(AuthenticationError);
  });

  it('rejects an expired token', () => {
    const token = service.sign('usr_1', 'student');
    now += 901;
    expect(() => service.verify(token)).toThrow('Token expired');
  });

  it('refuses a short secret', () => {
    expect(() => new TokenService({ ...options, secret: 'short' })).toThrow(/at least 32/);
  });

  it('extracts bearer tokens from the Authorization header', () => {
    expect(TokenService.fromHeader('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(TokenService.fromHeader('Basic dXNlcg==')).toBeNull();
    expect(TokenService.fromHeader(undefined)).toBeNull();
  });
});
