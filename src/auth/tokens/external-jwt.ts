/**
 * Tokens of another issuer (Auth0, Keycloak, Supabase, your own service), verified with jose.
 * The accepted algorithms are the config's and only the config's: the token's header picks among
 * them, never beyond. Each algorithm has its key source: HS256 the shared `secret`; RS256/ES256 the
 * `publicKey` PEM, or a JWKS (`jwksFile`, read once; `jwksUrl`, fetched and cached by jose) where
 * the token's `kid` must name the key. A key embedded in the token (`jwk`, `jku`, `x5u`, `x5c`) is
 * never looked at.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  importSPKI,
  jwtVerify,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ConfigError } from '../../config.js';
import type { ExternalJwtConfig } from '../auth-config.js';
import { DEFAULT_CLAIM_PATHS, type ClaimPaths } from './claims.js';
import { KeySetUnavailable, tokenErrors } from './token-errors.js';

export type Algorithm = ExternalJwtConfig['algorithms'][number];

/** Default clock skew tolerated on exp, nbf and iat, seconds. */
export const DEFAULT_LEEWAY_SECONDS = 30;

/** How the remote key set is fetched: give up after 5 s, refetch for an unknown kid at most every 30 s, keep 10 min. */
export const REMOTE_JWKS_OPTIONS = { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 } as const;

export interface ExternalVerifier {
  readonly leewaySeconds: number;
  readonly claimPaths: ClaimPaths;
  /** The verified claims; throws jose's errors (or KeySetUnavailable) for anything else. */
  verify(token: string, header: Readonly<Record<string, unknown>>): Promise<JWTPayload>;
}

type Asymmetric = 'RS256' | 'ES256';

export function createExternalVerifier(config: ExternalJwtConfig): ExternalVerifier {
  const algorithms = [...new Set(config.algorithms)];
  const allowed = new Set<string>(algorithms);
  const leewaySeconds = config.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;

  const secret = config.secret === undefined ? null : new TextEncoder().encode(config.secret);
  if (allowed.has('HS256') && secret === null) throw new ConfigError('auth.jwt: HS256 is allowed but no `secret` is set.');

  const publicKey = config.publicKey === undefined ? null : readPublicKey(config.publicKey);
  if (publicKey && !allowed.has(publicKey.alg)) {
    throw new ConfigError(`auth.jwt.publicKey is a key for ${publicKey.alg}, which is not among auth.jwt.algorithms.`);
  }
  if (config.jwksFile !== undefined && config.jwksUrl !== undefined) {
    throw new ConfigError('auth.jwt: set `jwksFile` or `jwksUrl`, not both.');
  }
  const jwks = config.jwksFile !== undefined ? localKeySet(config.jwksFile) : config.jwksUrl !== undefined ? remoteKeySet(config.jwksUrl) : null;
  for (const alg of algorithms) {
    if (alg !== 'HS256' && jwks === null && publicKey?.alg !== alg) {
      throw new ConfigError(`auth.jwt: ${alg} is allowed but no key for it is set (publicKey, jwksFile or jwksUrl).`);
    }
  }

  const imported = new Map<Asymmetric, Promise<CryptoKey>>();
  const publicKeyFor = (alg: Asymmetric): Promise<CryptoKey> => {
    let key = imported.get(alg);
    if (!key) {
      key = importSPKI(publicKey!.pem, alg);
      imported.set(alg, key);
    }
    return key;
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    const alg = header.alg;
    // jose checks `algorithms` before calling here; checked again so no path can widen the list.
    if (alg === undefined || !allowed.has(alg)) throw new joseErrors.JOSEAlgNotAllowed('algorithm not allowed');
    if (alg === 'HS256') return secret!;
    const kid = header.kid;
    if (jwks !== null && (kid !== undefined || publicKey === null)) {
      if (typeof kid !== 'string' || kid === '') throw new joseErrors.JWKSNoMatchingKey('the token names no key id');
      return jwks(header, token);
    }
    if (publicKey !== null && publicKey.alg === alg) return publicKeyFor(alg as Asymmetric);
    throw new joseErrors.JOSEAlgNotAllowed('no key for this algorithm');
  };

  const options = {
    algorithms,
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: leewaySeconds,
    requiredClaims: ['exp'],
  };

  return {
    leewaySeconds,
    claimPaths: { role: config.roleClaim ?? DEFAULT_CLAIM_PATHS.role, userId: config.userIdClaim ?? DEFAULT_CLAIM_PATHS.userId },
    async verify(token, header) {
      if (typeof header.alg !== 'string' || !allowed.has(header.alg)) throw tokenErrors.algorithmNotAllowed();
      const { payload } = await jwtVerify(token, getKey, options);
      return payload;
    },
  };
}

function readPublicKey(pem: string): { pem: string; alg: Asymmetric } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new ConfigError(`auth.jwt.publicKey is not a PEM public key: ${(e as Error).message}`);
  }
  const spki = key.export({ type: 'spki', format: 'pem' }).toString();
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new ConfigError('auth.jwt.publicKey: RSA keys must have at least 2048 bits.');
    return { pem: spki, alg: 'RS256' };
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { pem: spki, alg: 'ES256' };
  throw new ConfigError('auth.jwt.publicKey must be an RSA key (RS256) or an EC P-256 key (ES256).');
}

type KeySet = (header: JWTHeaderParameters, token: Parameters<JWTVerifyGetKey>[1]) => Promise<CryptoKey>;

/** Failures to get or read the key set become KeySetUnavailable; "no such key" stays what it is. */
function guarded(keySet: KeySet): KeySet {
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (e) {
      if (
        e instanceof joseErrors.JWKSNoMatchingKey ||
        e instanceof joseErrors.JWKSMultipleMatchingKeys ||
        e instanceof joseErrors.JOSENotSupported
      ) {
        throw e;
      }
      throw new KeySetUnavailable('the JSON Web Key Set could not be used', { cause: e });
    }
  };
}

function localKeySet(path: string): KeySet {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`auth.jwt.jwksFile ${path} could not be read as JSON: ${(e as Error).message}`);
  }
  try {
    return guarded(createLocalJWKSet(document as Parameters<typeof createLocalJWKSet>[0]));
  } catch {
    throw new ConfigError(`auth.jwt.jwksFile ${path} is not a JSON Web Key Set ({"keys": [...]}).`);
  }
}

function remoteKeySet(href: string): KeySet {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new ConfigError(`auth.jwt.jwksUrl is not a URL: ${href}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('auth.jwt.jwksUrl must be an http(s) URL.');
  return guarded(createRemoteJWKSet(url, REMOTE_JWKS_OPTIONS));
}
