/**
 * How the Lambda's fetch parts meet trouble: which failures a part retries (in a later invocation
 * when the wait is long), and a calls source that reads the API token only inside a part's step.
 */
import { SecretError } from "./adapters/secrets.js";
import {
  AutocallsDeadlineError,
  AutocallsError,
  AutocallsPauseTooLongError,
  AutocallsUnavailableError,
} from "./autocalls/errors.js";
import type { PagedCallsSource, PageStream } from "./ports.js";

/** A part that failed for a passing reason is tried twice more, after 30 s and 2 min. */
const PART_ATTEMPTS = 3;

/**
 * A part that met an outage, a slow API or an S3 hiccup is tried again later (in a new
 * invocation when the delay is long); a refusal, a changed API or bad data fails at once.
 */
export function retryPart(error: unknown, attempt: number): { delaySeconds: number } | null {
  if (attempt >= PART_ATTEMPTS) return null;
  // A pause that would outlast the invocation (a 429 near its end) is passing too: a new one has time.
  const passing =
    error instanceof AutocallsUnavailableError ||
    error instanceof AutocallsDeadlineError ||
    error instanceof AutocallsPauseTooLongError ||
    (error instanceof SecretError && error.passing);
  if (error instanceof SecretError && !error.passing) return null;
  if (!passing && (error instanceof AutocallsError || (error as Error)?.name === "CallDataError")) return null;
  return { delaySeconds: attempt === 1 ? 30 : 120 };
}

/** A calls source that builds its client (reading the token) only when a part starts fetching. */
export function lazyPagedSource(create: () => Promise<PagedCallsSource>): PagedCallsSource {
  return {
    fetchPages(query, range, options) {
      let inner: PageStream | undefined;
      const started = () => {
        if (inner === undefined) throw new Error("The part's page stream was read before it was iterated.");
        return inner;
      };
      return {
        get stats() {
          return started().stats;
        },
        get stopped() {
          return started().stopped;
        },
        pacerSnapshot: () => started().pacerSnapshot(),
        async *[Symbol.asyncIterator]() {
          inner = (await create()).fetchPages(query, range, options);
          yield* inner;
        },
      };
    },
  };
}
