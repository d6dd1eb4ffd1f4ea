/**
 * Exact percentiles of call durations in memory bounded by the number of distinct values,
 * not the number of calls: durations are whole seconds, so a count per second value is all
 * a percentile needs. Most calls last under two hours and land in a flat array; longer or
 * fractional ones go into a sparse Map.
 */
const DENSE_LIMIT_SECONDS = 2 * 60 * 60;

export class DurationHistogram {
  private readonly dense = new Float64Array(DENSE_LIMIT_SECONDS + 1);
  private readonly sparse = new Map<number, number>();
  private total = 0;

  get count(): number {
    return this.total;
  }

  /** Records `count` calls (one unless restoring a part's counts) that lasted `seconds`. */
  add(seconds: number, count = 1): void {
    if (Number.isInteger(seconds) && seconds >= 0 && seconds <= DENSE_LIMIT_SECONDS) {
      this.dense[seconds] = (this.dense[seconds] ?? 0) + count;
    } else {
      this.sparse.set(seconds, (this.sparse.get(seconds) ?? 0) + count);
    }
    this.total += count;
  }

  /**
   * The recorded values as `[seconds, count]` in ascending order, one pair per distinct
   * value: what a part stores instead of the 7,201-slot dense array; `add` reads it back.
   */
  counts(): [number, number][] {
    return [...this.entries()];
  }

  /**
   * Nearest-rank percentile: the smallest recorded value v such that at least
   * `fraction` × count values are ≤ v, i.e. the value at 1-based rank ⌈fraction × count⌉
   * (rank 1 for fraction 0). Always a duration that occurred; the median of an even count
   * is the lower middle value. Null when nothing was recorded.
   */
  percentile(fraction: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (const [value, count] of this.entries()) {
      seen += count;
      if (seen >= rank) return value;
    }
    return null;
  }

  /** `[value, count]` in ascending value order. */
  private *entries(): Generator<[number, number]> {
    const tail = [...this.sparse.entries()].sort((a, b) => a[0] - b[0]);
    let t = 0;
    for (let value = 0; value <= DENSE_LIMIT_SECONDS; value++) {
      const count = this.dense[value] ?? 0;
      if (count === 0) continue;
      // Fractional or negative values can sort before a dense value; merge them in order.
      while (t < tail.length && (tail[t]?.[0] ?? Number.POSITIVE_INFINITY) < value) {
        yield tail[t++] as [number, number];
      }
      yield [value, count];
    }
    while (t < tail.length) yield tail[t++] as [number, number];
  }
}
