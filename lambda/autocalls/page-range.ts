import { setMaxListeners } from "node:events";
import type { FetchedPage, PageRange } from "../ports.js";
import { AutocallsError } from "./errors.js";

export interface PageRangeOptions {
  range: PageRange;
  /** Most pages in flight or waiting to be consumed at once. */
  concurrency: number;
  /** One page with its retries. */
  fetchPage: (page: number, signal: AbortSignal) => Promise<FetchedPage>;
  /** The fetch's signal: aborting it stops every page. */
  signal: AbortSignal;
}

/**
 * Pages `first … min(first + maxPages - 1, last_page)`: `first` alone (its answer says how many
 * pages there are), then the rest with at most `concurrency` in flight or waiting to be consumed,
 * so memory stays flat however slow the consumer is. Pages come out in order, consecutively. A
 * range starting after the last page yields its first page (with no calls) and ends.
 */
export async function* pageRange(options: PageRangeOptions): AsyncGenerator<FetchedPage> {
  const { range, concurrency, fetchPage, signal } = options;
  const first = await fetchPage(range.first, signal);
  yield first;
  const last = Math.min(range.first + range.maxPages - 1, first.lastPage);

  // A failed page stops the others at once, not after the pages before it have been consumed.
  const pass = new AbortController();
  setMaxListeners(0, pass.signal);
  const onRunAbort = () => pass.abort(signal.reason);
  signal.addEventListener("abort", onRunAbort, { once: true });
  const inFlight = new Map<number, Promise<FetchedPage>>();
  let failure: unknown;
  const launch = (page: number) => {
    const promise = fetchPage(page, pass.signal);
    // Also keeps a page that fails while an earlier one is awaited from being an unhandled rejection.
    promise.catch((error: unknown) => {
      if (failure === undefined && !pass.signal.aborted) {
        failure = error;
        pass.abort(error);
      }
    });
    inFlight.set(page, promise);
  };
  try {
    let nextLaunch = range.first + 1;
    for (let page = range.first + 1; page <= last; page++) {
      while (nextLaunch <= last && nextLaunch < page + concurrency) launch(nextLaunch++);
      const promise = inFlight.get(page) as Promise<FetchedPage>;
      inFlight.delete(page);
      try {
        yield await promise;
      } catch (error) {
        throw failure ?? error;
      }
    }
  } finally {
    signal.removeEventListener("abort", onRunAbort);
    if (!pass.signal.aborted) pass.abort(new AutocallsError("The pass ended."));
  }
}
