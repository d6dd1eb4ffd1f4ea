import { setMaxListeners } from "node:events";
import type { FetchedPage, PageRange } from "../ports.js";
import { AutocallsError } from "./errors.js";
import { PacerStop } from "./pacer.js";

export interface PageRangeOptions {
  range: PageRange;
  /** Most pages in flight or waiting to be consumed at once. */
  concurrency: number;
  /** One page with its retries; rejects with a PacerStop when the pacer refuses to wait. */
  fetchPage: (page: number, signal: AbortSignal) => Promise<FetchedPage>;
  /** The fetch's signal: aborting it stops every page. */
  signal: AbortSignal;
  /** Called, before the generator ends, with the first page not yielded because the pacer refused. */
  onStop?: (nextPage: number, stop: PacerStop) => void;
}

/**
 * Pages `first … min(first + maxPages - 1, last_page)`: `first` alone (its answer says how many
 * pages there are), then the rest with at most `concurrency` in flight or waiting to be consumed,
 * so memory stays flat however slow the consumer is. Pages come out in order, consecutively. A
 * range starting after the last page yields its first page (with no calls) and ends.
 *
 * When the pacer refuses a request, no new one is sent: the pages before the refused one are
 * awaited and yielded, and those after it that were in flight are awaited — their answers tell
 * the pacer what they cost — and dropped; `onStop` then says where to resume.
 */
export async function* pageRange(options: PageRangeOptions): AsyncGenerator<FetchedPage> {
  const { range, concurrency, fetchPage, signal } = options;
  let first: FetchedPage;
  try {
    first = await fetchPage(range.first, signal);
  } catch (error) {
    if (!(error instanceof PacerStop)) throw error;
    options.onStop?.(range.first, error);
    return;
  }
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
      if (failure === undefined && !pass.signal.aborted && !(error instanceof PacerStop)) {
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
      let fetched: FetchedPage;
      try {
        fetched = await promise;
      } catch (error) {
        if (failure !== undefined || !(error instanceof PacerStop)) throw failure ?? error;
        await Promise.allSettled(inFlight.values());
        // A page that failed for good while the others finished would fail the next part too.
        if (failure !== undefined) throw failure;
        options.onStop?.(page, error);
        return;
      }
      yield fetched;
    }
  } finally {
    signal.removeEventListener("abort", onRunAbort);
    if (!pass.signal.aborted) pass.abort(new AutocallsError("The pass ended."));
  }
}
