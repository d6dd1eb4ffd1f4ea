/**
 * The simulated Autocalls dataset: a seeded, lazily generated table of calls.
 *
 * Call `i` of API date `D` is a pure function of `(seed, D, i)`, so a day of a million calls
 * never has to exist in memory: a page is served by index arithmetic, and only filtered
 * queries scan a day once (keeping an Int32Array of matching indexes, in a bounded cache).
 * Within a day `created_at` never decreases with `i` and ids increase with `i`, so "newest
 * first" (created_at desc, id desc — Laravel's `latest()`) is simply `i` descending.
 */
import { assertCalendarDate, assertTimezone, reportWindow, wallClock } from "../lambda/report/window.js";
import { base36, evaluationFor, round, transcriptFor, variablesFor } from "./call-content.js";
import { dayFractionAt, INBOUND_STATUS, OUTBOUND_STATUS } from "./call-mix.js";
import type { AnsweredBy, CallFilter, CallStatus, CallType, RawCall } from "./raw-call.js";
import { Rng, seedOf } from "./seeded-rng.js";
import {
  clientOf,
  HOSTILE_NAMES,
  SIMULATED_ASSISTANTS,
  SIMULATED_CAMPAIGNS,
  type SimulatedAssistant,
  type SimulatedCampaign,
} from "./simulated-cast.js";

const ASSISTANT_WEIGHTS = SIMULATED_ASSISTANTS.map((assistant) => [assistant, assistant.weight] as const);
const CAMPAIGNS_BY_ASSISTANT = new Map(
  SIMULATED_ASSISTANTS.map((assistant) => [
    assistant.id,
    SIMULATED_CAMPAIGNS.filter((campaign) => campaign.assistantId === assistant.id),
  ]),
);

/** Ids are `dayNumber * ID_DAY_STRIDE + i + 1`: unique across dates and increasing in time. */
const ID_DAY_STRIDE = 100_000_000;
/** Calls one date may hold, drift inserts included (keeps ids unique). */
export const MAX_CALLS_PER_DAY = ID_DAY_STRIDE - 1;

const CLIENT_POOL_SIZE = 25_000;

const CONNECTED: ReadonlySet<CallStatus> = new Set([
  "in-progress",
  "ended",
  "completed",
  "ended_by_customer",
  "ended_by_assistant",
]);
const FINISHED_CONNECTED: ReadonlySet<CallStatus> = new Set([
  "ended",
  "completed",
  "ended_by_customer",
  "ended_by_assistant",
]);

/** The cheap part of a call: what filters look at and what the timeline needs. */
interface CallHeader {
  assistant: SimulatedAssistant;
  campaign: SimulatedCampaign | null;
  type: CallType;
  status: CallStatus;
  answeredBy: AnsweredBy;
  durationSeconds: number;
  clientIndex: number;
}

interface DayContext {
  date: string;
  dayNumber: number;
  startMs: number;
  lengthSeconds: number;
  /** Wall-clock offset when it is the same all day (no DST change), else null. */
  fixedOffsetMs: number | null;
  baseCount: number;
}

export interface DatasetOptions {
  seed: number;
  callsPerDay: number | ((apiDate: string) => number);
  apiTimezone: string;
}

export class SimulatedDataset {
  readonly seed: number;
  readonly apiTimezone: string;
  private readonly callsPerDay: number | ((apiDate: string) => number);
  private readonly days = new Map<string, DayContext>();
  private readonly driftInserts = new Map<string, number>();
  private readonly indexCache = new Map<string, Int32Array>();
  private indexCacheBytes = 0;
  /** Filter indexes kept for reuse; a million-call day filtered by status is a few MB. */
  private readonly indexCacheLimitBytes = 64 * 1024 * 1024;

  constructor(options: DatasetOptions) {
    this.seed = options.seed | 0;
    this.apiTimezone = assertTimezone(options.apiTimezone, "apiTimezone");
    this.callsPerDay = options.callsPerDay;
  }

  /** Calls created on `date`, drift inserts included. */
  count(date: string): number {
    return this.day(date).baseCount + (this.driftInserts.get(date) ?? 0);
  }

  /** Makes `count` new calls appear at the head (newest end) of `date`. */
  insert(date: string, count: number): void {
    const total = this.count(date) + count;
    if (total > MAX_CALLS_PER_DAY)
      throw new RangeError(`${date} would hold ${total} calls; at most ${MAX_CALLS_PER_DAY}.`);
    this.driftInserts.set(date, (this.driftInserts.get(date) ?? 0) + count);
  }

  /**
   * Indexes (ascending) of the calls on `date` matching `filter`, or null when the filter is
   * empty and every index matches. Scans the day once per filter, then serves from cache.
   */
  matching(date: string, filter: CallFilter): Int32Array | null {
    const key = filterKey(filter);
    if (key === "") return null;
    const count = this.count(date);
    const cacheKey = `${date}|${count}|${key}`;
    const cached = this.indexCache.get(cacheKey);
    if (cached) {
      // Re-insert: Map order doubles as least-recently-used order.
      this.indexCache.delete(cacheKey);
      this.indexCache.set(cacheKey, cached);
      return cached;
    }
    const context = this.day(date);
    let found = new Int32Array(Math.min(count, 1024));
    let length = 0;
    for (let index = 0; index < count; index++) {
      if (!matches(this.header(context, index), filter, this.seed)) continue;
      if (length === found.length) {
        const grown = new Int32Array(Math.min(count, found.length * 2));
        grown.set(found);
        found = grown;
      }
      found[length++] = index;
    }
    const result = found.slice(0, length);
    this.remember(cacheKey, result);
    return result;
  }

  /** The full call `index` of `date` (0 = oldest of the day). */
  call(date: string, index: number): RawCall {
    const context = this.day(date);
    const header = this.header(context, index);
    return this.body(context, index, header);
  }

  private remember(cacheKey: string, indexes: Int32Array): void {
    this.indexCache.set(cacheKey, indexes);
    this.indexCacheBytes += indexes.byteLength;
    for (const [key, value] of this.indexCache) {
      if (this.indexCacheBytes <= this.indexCacheLimitBytes || key === cacheKey) break;
      this.indexCache.delete(key);
      this.indexCacheBytes -= value.byteLength;
    }
  }

  private day(date: string): DayContext {
    const known = this.days.get(date);
    if (known) return known;
    assertCalendarDate(date, "API date");
    const window = reportWindow(date, this.apiTimezone);
    const startMs = window.start.getTime();
    const endMs = window.end.getTime();
    const startOffset = wallClock(window.start, this.apiTimezone).getTime() - startMs;
    // wallClock keeps whole seconds only: compare at the day's last whole second.
    const endOffset = wallClock(new Date(endMs - 1000), this.apiTimezone).getTime() - (endMs - 1000);
    const wanted = typeof this.callsPerDay === "function" ? this.callsPerDay(date) : this.callsPerDay;
    if (!Number.isInteger(wanted) || wanted < 0 || wanted > MAX_CALLS_PER_DAY) {
      throw new RangeError(`callsPerDay for ${date} is ${wanted}; use an integer from 0 to ${MAX_CALLS_PER_DAY}.`);
    }
    const context: DayContext = {
      date,
      dayNumber: Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000),
      startMs,
      lengthSeconds: Math.round((endMs - startMs) / 1000),
      fixedOffsetMs: startOffset === endOffset ? startOffset : null,
      baseCount: wanted,
    };
    this.days.set(date, context);
    return context;
  }

  private header(context: DayContext, index: number): CallHeader {
    const rng = new Rng(seedOf(this.seed, context.dayNumber, index, 0));
    const assistant = rng.weighted(ASSISTANT_WEIGHTS);
    const [inbound, outbound, web] = assistant.typeWeights;
    const type = rng.weighted<CallType>([
      ["inbound", inbound],
      ["outbound", outbound],
      ["web", web],
    ]);
    const campaigns = CAMPAIGNS_BY_ASSISTANT.get(assistant.id) ?? [];
    const campaign = type === "outbound" && campaigns.length > 0 && rng.chance(0.8) ? rng.pick(campaigns) : null;
    const status = rng.weighted(type === "outbound" ? OUTBOUND_STATUS : INBOUND_STATUS);
    let answeredBy: AnsweredBy = "unknown";
    let durationSeconds = 0;
    if (CONNECTED.has(status)) {
      answeredBy =
        type === "outbound"
          ? rng.weighted<AnsweredBy>([
              ["human", 80],
              ["machine", 15],
              ["unknown", 5],
            ])
          : rng.chance(0.9)
            ? "human"
            : "unknown";
      durationSeconds =
        answeredBy === "machine"
          ? rng.between(8, 45)
          : // Long tail: median ~95 s, a few calls run for most of an hour.
            Math.min(5400, Math.max(4, Math.round(95 * Math.exp(0.85 * rng.normal()))));
      if (status === "in-progress") durationSeconds = Math.max(1, Math.floor(durationSeconds * rng.next()));
    } else {
      rng.next();
      rng.next();
    }
    // Outbound campaigns dial from a shared customer list, so numbers repeat across calls.
    const clientIndex = rng.int(CLIENT_POOL_SIZE);
    return { assistant, campaign, type, status, answeredBy, durationSeconds, clientIndex };
  }

  /** Milliseconds after the day's start at which call `index` was created. */
  private createdOffsetMs(context: DayContext, index: number): number {
    const base = context.baseCount;
    if (index < base) {
      const jitter = new Rng(seedOf(this.seed, context.dayNumber, index, 2)).next();
      return Math.floor(dayFractionAt((index + jitter) / base) * context.lengthSeconds) * 1000;
    }
    // Drift inserts: one second apart after the day's last regular call, never past the day.
    const last = base > 0 ? this.createdOffsetMs(context, base - 1) : 0;
    return Math.min(last + (index - base + 1) * 1000, (context.lengthSeconds - 1) * 1000);
  }

  private formatWall(context: DayContext, instantMs: number): string {
    const inDay = instantMs >= context.startMs && instantMs < context.startMs + context.lengthSeconds * 1000;
    const wall =
      inDay && context.fixedOffsetMs !== null
        ? new Date(instantMs + context.fixedOffsetMs)
        : wallClock(new Date(instantMs), this.apiTimezone);
    return wall.toISOString().slice(0, 19).replace("T", " ");
  }

  private body(context: DayContext, index: number, header: CallHeader): RawCall {
    const rng = new Rng(seedOf(this.seed, context.dayNumber, index, 1));
    const { assistant, campaign, type, status, answeredBy, durationSeconds, clientIndex } = header;
    const id = context.dayNumber * ID_DAY_STRIDE + index + 1;
    const client = clientOf(this.seed, clientIndex);
    const connected = CONNECTED.has(status);
    const finished = FINISHED_CONNECTED.has(status);

    const createdMs = context.startMs + this.createdOffsetMs(context, index);
    const ringSeconds = status === "initiated" ? 0 : rng.between(3, 28);
    const settleSeconds = finished ? rng.between(1, 6) : 0;
    const updatedMs = createdMs + (ringSeconds + durationSeconds + settleSeconds) * 1000;

    const customerName = rng.chance(0.002) ? rng.pick(HOSTILE_NAMES) : client.name;
    const variables = variablesFor(rng, assistant, context.date, customerName, connected, finished, campaign !== null);

    const evaluation = finished && rng.chance(0.97) ? evaluationFor(rng, assistant, answeredBy, durationSeconds) : null;
    const transcript = connected
      ? transcriptFor(rng, assistant, customerName, answeredBy, durationSeconds, status === "in-progress")
      : null;

    const carrierCost = connected ? round((durationSeconds / 60) * client.ratePerMinute, 4) : 0;
    // Platform minutes plus the evaluation model; never below the carrier's share.
    const platformCost = connected ? (durationSeconds / 60) * 0.09 + (evaluation ? 0.0021 : 0) : 0;
    const totalCost = round(carrierCost + platformCost, 6);

    let webhookResponse: Record<string, unknown> | null = null;
    if (assistant.hasWebhook && finished) {
      const roll = rng.next();
      if (roll < 0.85) webhookResponse = { status: "success", data: { crm_contact_id: base36(rng, 6) } };
      else if (roll < 0.95) webhookResponse = { status: "error", message: "Request timed out after 10 seconds" };
    }

    return {
      id,
      assistant_name: assistant.name,
      campaign_name: campaign?.name ?? null,
      type,
      duration: durationSeconds,
      assistant_phone_number: assistant.phoneNumber,
      client_phone_number: client.phoneNumber,
      status,
      transcript,
      variables,
      evaluation,
      webhook_response: webhookResponse,
      carrier_cost: carrierCost,
      total_cost: totalCost,
      answered_by: answeredBy,
      recording_url:
        assistant.records && finished && rng.chance(0.9) ? `https://recordings.autocalls.ai/calls/${id}.mp3` : null,
      created_at: this.formatWall(context, createdMs),
      updated_at: this.formatWall(context, updatedMs),
    };
  }
}

function filterKey(filter: CallFilter): string {
  const parts: string[] = [];
  if (filter.status !== undefined) parts.push(`s=${filter.status}`);
  if (filter.type !== undefined) parts.push(`t=${filter.type}`);
  if (filter.phoneNumber !== undefined) parts.push(`p=${filter.phoneNumber}`);
  if (filter.assistantId !== undefined) parts.push(`a=${filter.assistantId}`);
  if (filter.campaignId !== undefined) parts.push(`c=${filter.campaignId}`);
  return parts.join("&");
}

function matches(header: CallHeader, filter: CallFilter, seed: number): boolean {
  if (filter.status !== undefined && header.status !== filter.status) return false;
  if (filter.type !== undefined && header.type !== filter.type) return false;
  if (filter.assistantId !== undefined && header.assistant.id !== filter.assistantId) return false;
  if (filter.campaignId !== undefined && header.campaign?.id !== filter.campaignId) return false;
  if (filter.phoneNumber !== undefined && clientOf(seed, header.clientIndex).phoneNumber !== filter.phoneNumber) {
    return false;
  }
  return true;
}
