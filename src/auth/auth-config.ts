/**
 * The `auth`, `rules` and `cors` keys of the config: their TypeBox schemas (checked when the
 * config loads) and the types code is written against. One place, so the config check, the
 * server and the docs agree on every name.
 */
import { Type, type Static } from '@sinclair/typebox';

const ALGORITHM = Type.Union([Type.Literal('HS256'), Type.Literal('RS256'), Type.Literal('ES256')]);
const KEYS = Type.Union([Type.String({ minLength: 16 }), Type.Array(Type.String({ minLength: 16 }), { minItems: 1 })]);

/** Tokens from another issuer (Auth0, Keycloak, Supabase, your own service). */
export const EXTERNAL_JWT = Type.Object(
  {
    /** Algorithms accepted; a token naming any other is refused whatever its header says. */
    algorithms: Type.Array(ALGORITHM, { minItems: 1 }),
    /** HS256 shared secret. */
    secret: Type.Optional(Type.String({ minLength: 32 })),
    /** RS256/ES256 public key, PEM text (SPKI). */
    publicKey: Type.Optional(Type.String({ minLength: 1 })),
    /** A JWKS document on disk, or fetched (and cached) from a URL; the token's `kid` picks the key. */
    jwksFile: Type.Optional(Type.String({ minLength: 1 })),
    jwksUrl: Type.Optional(Type.String({ minLength: 1 })),
    issuer: Type.Optional(Type.String()),
    audience: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    /** Clock skew allowed on exp/nbf/iat, seconds. Default 30. */
    leewaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
    /** Dotted path of the claim holding the role. Default `role`. */
    roleClaim: Type.Optional(Type.String({ minLength: 1 })),
    /** Dotted path of the claim holding the user id. Default `sub`. */
    userIdClaim: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const RATE = Type.Object(
  {
    /** Attempts allowed per window. */
    max: Type.Integer({ minimum: 1 }),
    windowSeconds: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export const AUTH = Type.Object(
  {
    /**
     * Secret that signs rowgate's own access tokens (HS256), at least 32 characters. Also read from
     * ROWGATE_JWT_SECRET. Without it, accounts (/auth/v1) are off.
     */
    jwtSecret: Type.Optional(Type.String({ minLength: 32 })),
    /** Access token lifetime, seconds. Default 3600. */
    accessTokenTtl: Type.Optional(Type.Integer({ minimum: 30 })),
    /** Refresh token lifetime, seconds. Default 30 days. */
    refreshTokenTtl: Type.Optional(Type.Integer({ minimum: 60 })),
    /** Whether /auth/v1/signup accepts new accounts. Default true. */
    signup: Type.Optional(Type.Boolean()),
    /** Shortest password accepted at sign-up. Default 8. */
    minPasswordLength: Type.Optional(Type.Integer({ minimum: 6, maximum: 128 })),
    /** API keys as Supabase has them; a list rotates (every key in it is accepted). */
    apiKeys: Type.Optional(
      Type.Object({ anon: Type.Optional(KEYS), service: Type.Optional(KEYS) }, { additionalProperties: false }),
    ),
    /** Also accept tokens of another issuer. */
    jwt: Type.Optional(EXTERNAL_JWT),
    /** Login and sign-up attempts per client address and per account. */
    rateLimit: Type.Optional(
      Type.Object(
        {
          perIp: Type.Optional(RATE),
          perAccount: Type.Optional(RATE),
          /** A Redis URL: the counters every rowgate process shares (`--workers`, several hosts). Default: this process's memory. */
          redis: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * `rules` (default): rowgate applies `rules` on every engine. `database`: PostgreSQL's own
     * row-level security decides; rowgate sets the role and `request.jwt.claims` per transaction.
     */
    mode: Type.Optional(Type.Union([Type.Literal('rules'), Type.Literal('database')])),
  },
  { additionalProperties: false },
);

/** What a role may do with one operation on one table: everything (`true`) or a narrowed part. */
export const ROLE_RULE = Type.Union([
  Type.Literal(true),
  Type.Object(
    {
      /** Rows the role may touch, in the URL filter grammar: `customer_id=eq.{auth.uid}`, `or=(…)`; `&` joins several. */
      filter: Type.Optional(Type.String({ minLength: 1 })),
      /** Columns the role may read (select) or write (insert, update); default all. */
      columns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
      /** Inserts and updates: the new values must pass this filter, else 42501. */
      check: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
]);

const OPERATION_RULES = Type.Record(Type.String({ minLength: 1 }), ROLE_RULE);

export const TABLE_RULES = Type.Object(
  {
    select: Type.Optional(OPERATION_RULES),
    insert: Type.Optional(OPERATION_RULES),
    update: Type.Optional(OPERATION_RULES),
    delete: Type.Optional(OPERATION_RULES),
  },
  { additionalProperties: false },
);

/** Rules by table name; `*` applies to every table not named. */
export const RULES = Type.Record(Type.String({ minLength: 1 }), TABLE_RULES);

export const CORS = Type.Object(
  {
    /** Allowed origins: a list, or `*` for any. Default: none (no CORS headers). */
    origins: Type.Union([Type.Literal('*'), Type.Array(Type.String({ minLength: 1 }))]),
    credentials: Type.Optional(Type.Boolean()),
    /** Seconds browsers may cache a preflight answer. Default 600. */
    maxAge: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export type ExternalJwtConfig = Static<typeof EXTERNAL_JWT>;
export type RoleRule = Static<typeof ROLE_RULE>;
export type TableRules = Static<typeof TABLE_RULES>;
export type RulesConfig = Static<typeof RULES>;
export type CorsConfig = Static<typeof CORS>;
export type Operation = 'select' | 'insert' | 'update' | 'delete';

/** Data the sign-up hook adds to a new account, kept in its `app_metadata` and so in its tokens. */
export type AppMetadata = Record<string, unknown>;

/** A new account, as the sign-up hook sees it. */
export interface NewAccount {
  readonly id: string;
  readonly email: string;
  /** `data` of the sign-up request (supabase-js `options.data`), untrusted. */
  readonly userMetadata: Readonly<Record<string, unknown>>;
}

export type AuthConfig = Static<typeof AUTH> & {
  /**
   * Runs in the sign-up's transaction (db is a Kysely transaction): create the rows an account
   * needs (a customers row) and return what goes into its `app_metadata`. Throwing refuses the sign-up.
   */
  readonly onSignup?: (account: NewAccount, db: import('kysely').Kysely<any>) => Promise<AppMetadata | void> | AppMetadata | void;
};

/** Roles rowgate knows without configuration. */
export const BUILTIN_ROLES = ['anon', 'authenticated', 'service'] as const;
