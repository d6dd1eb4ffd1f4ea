import { parseApiTimestamp, wallClock } from "./window.js";

const QUARTER_HOUR_MS = 15 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const PLAIN_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}):([0-5]\d):([0-5]\d)$/;
const CACHE_LIMIT = 4096;

/**
 * Timezone arithmetic through Intl costs tens of microseconds, too much a million times a
 * day. UTC offsets change only at quarter-hour boundaries (every tzdb transition in use,
 * Lord Howe's half-hour one included), so each quarter hour is resolved once through
 * window.ts and the seconds inside it are plain addition. The results are the same as
 * `parseApiTimestamp` and `localHour` give; a test checks that minute by minute on DST days.
 */
export class ZoneClock {
  private readonly quarterStarts = new Map<string, number | null>();
  private readonly offsets = new Map<number, number>();

  constructor(
    private readonly apiTimezone: string,
    private readonly reportTimezone: string,
  ) {}

  /** `created_at` as an instant, or null when it is not a timestamp. */
  instant(createdAt: string): Date | null {
    const match = PLAIN_TIMESTAMP.exec(createdAt);
    // Strings with a zone or fractional seconds are rare: take the exact path.
    if (!match) return parseApiTimestamp(createdAt, this.apiTimezone);
    const [, dateAndHour = "", minutes = "", seconds = ""] = match;
    const quarter = Math.floor(Number(minutes) / 15);
    const key = `${dateAndHour}:${quarter}`;
    let start = this.quarterStarts.get(key);
    if (start === undefined) {
      start =
        parseApiTimestamp(`${dateAndHour}:${String(quarter * 15).padStart(2, "0")}:00`, this.apiTimezone)?.getTime() ??
        null;
      this.remember(this.quarterStarts, key, start);
    }
    if (start === null) return null;
    return new Date(start + (Number(minutes) - quarter * 15) * 60_000 + Number(seconds) * 1000);
  }

  /** The wall-clock hour (0–23) of `instant` in the report timezone. */
  localHour(instant: Date): number {
    const msIntoLocalDay = ((this.wallClock(instant).getTime() % DAY_MS) + DAY_MS) % DAY_MS;
    return Math.floor(msIntoLocalDay / HOUR_MS);
  }

  /** Same as window.ts's `wallClock(instant, reportTimezone)`: the local reading in UTC fields. */
  wallClock(instant: Date): Date {
    const time = instant.getTime();
    const quarterStart = Math.floor(time / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
    let offset = this.offsets.get(quarterStart);
    if (offset === undefined) {
      offset = wallClock(new Date(quarterStart), this.reportTimezone).getTime() - quarterStart;
      this.remember(this.offsets, quarterStart, offset);
    }
    return new Date(time + offset);
  }

  private remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, value);
  }
}
