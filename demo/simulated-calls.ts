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

/** Snake_case as on the wire; every field the API reference documents. */
export type RawCall = {
  id: number;
  assistant_name: string;
  campaign_name: string | null;
  type: CallType;
  duration: number;
  assistant_phone_number: string;
  client_phone_number: string;
  status: CallStatus;
  transcript: string | null;
  variables: Record<string, unknown>;
  evaluation: Record<string, unknown> | null;
  webhook_response: Record<string, unknown> | null;
  carrier_cost: number;
  total_cost: number;
  answered_by: AnsweredBy;
  recording_url: string | null;
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
};

export const CALL_STATUSES = [
  "initiated",
  "ringing",
  "busy",
  "in-progress",
  "ended",
  "completed",
  "ended_by_customer",
  "ended_by_assistant",
  "no-answer",
  "failed",
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const CALL_TYPES = ["inbound", "outbound", "web"] as const;
export type CallType = (typeof CALL_TYPES)[number];

export type AnsweredBy = "human" | "machine" | "unknown";

/** The filters the API applies, already validated. */
export interface CallFilter {
  status?: string;
  type?: string;
  phoneNumber?: string;
  assistantId?: number;
  campaignId?: number;
}

export interface SimulatedAssistant {
  id: number;
  name: string;
  /** The name the assistant introduces itself with in transcripts. */
  persona: string;
  phoneNumber: string;
  /** Relative share of all calls. */
  weight: number;
  /** Relative shares of inbound / outbound / web calls. */
  typeWeights: readonly [number, number, number];
  hasWebhook: boolean;
  records: boolean;
}

export interface SimulatedCampaign {
  id: number;
  name: string;
  assistantId: number;
}

export const SIMULATED_ASSISTANTS: readonly SimulatedAssistant[] = [
  {
    id: 812,
    name: "Sales Assistant",
    persona: "Sarah",
    phoneNumber: "+14155550132",
    weight: 34,
    typeWeights: [8, 90, 2],
    hasWebhook: true,
    records: true,
  },
  {
    id: 815,
    name: "Appointment Scheduler",
    persona: "Emma",
    phoneNumber: "+14155550187",
    weight: 24,
    typeWeights: [25, 70, 5],
    hasWebhook: true,
    records: true,
  },
  {
    id: 1033,
    name: "Support Line",
    persona: "James",
    phoneNumber: "+442071838750",
    weight: 16,
    typeWeights: [80, 5, 15],
    hasWebhook: false,
    records: true,
  },
  {
    id: 1047,
    name: "Payment Reminder",
    persona: "Olivia",
    phoneNumber: "+4930901820",
    weight: 14,
    typeWeights: [3, 97, 0],
    hasWebhook: false,
    records: true,
  },
  {
    id: 1202,
    name: "Survey Bot",
    persona: "Noah",
    phoneNumber: "+61290370100",
    weight: 12,
    typeWeights: [0, 85, 15],
    hasWebhook: false,
    records: false,
  },
];

export const SIMULATED_CAMPAIGNS: readonly SimulatedCampaign[] = [
  { id: 57, name: "Q4 Outreach Campaign", assistantId: 812 },
  { id: 64, name: "Spring Renewals", assistantId: 812 },
  { id: 71, name: "Appointment Reminders", assistantId: 815 },
  { id: 88, name: "Overdue Accounts", assistantId: 1047 },
  { id: 93, name: "Customer Satisfaction Survey", assistantId: 1202 },
];

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

// Elapsed hour of the API day → relative call volume: quiet nights, a morning and an
// afternoon peak, a lunch dip. Outbound dialers run in business hours.
const HOURLY_WEIGHTS = [
  0.25, 0.15, 0.1, 0.1, 0.12, 0.3, 0.9, 2.4, 5.5, 8.5, 9.2, 8.6, 6.2, 7.4, 8.8, 8.4, 7.2, 5.4, 3.3, 2.3, 1.6, 1.1, 0.7,
  0.4,
];
const HOURLY_CDF = (() => {
  const total = HOURLY_WEIGHTS.reduce((sum, weight) => sum + weight, 0);
  const cdf = [0];
  let running = 0;
  for (const weight of HOURLY_WEIGHTS) {
    running += weight / total;
    cdf.push(running);
  }
  cdf[24] = 1;
  return cdf;
})();

/** Day fraction in [0, 1) at quantile `q` of the daily curve; monotonic in `q`. */
function dayFractionAt(q: number): number {
  let hour = 0;
  while (hour < 23 && (HOURLY_CDF[hour + 1] as number) <= q) hour++;
  const low = HOURLY_CDF[hour] as number;
  const high = HOURLY_CDF[hour + 1] as number;
  const within = high > low ? (q - low) / (high - low) : 0;
  return Math.min((hour + Math.min(Math.max(within, 0), 0.999999)) / 24, 0.99999999);
}

// murmur3's finaliser: cheap, well-mixed 32-bit hashing for per-call seeds.
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function seedOf(seed: number, dayNumber: number, index: number, stream: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(dayNumber, 0x27d4eb2d));
  h = mix32(h ^ Math.imul(index, 0x165667b1));
  return mix32(h ^ Math.imul(stream + 1, 0x61c88647));
}

/** mulberry32: tiny and fast; quality is plenty for a fake dataset. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed | 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of items) total += weight;
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

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

const OUTBOUND_STATUS: readonly (readonly [CallStatus, number])[] = [
  ["completed", 52],
  ["ended", 5],
  ["ended_by_customer", 10],
  ["ended_by_assistant", 8],
  ["no-answer", 12],
  ["busy", 5],
  ["failed", 4],
  ["in-progress", 1.5],
  ["ringing", 0.6],
  ["initiated", 0.9],
];
const INBOUND_STATUS: readonly (readonly [CallStatus, number])[] = [
  ["completed", 62],
  ["ended", 6],
  ["ended_by_customer", 20],
  ["ended_by_assistant", 7],
  ["failed", 2],
  ["in-progress", 2],
  ["ringing", 0.5],
];

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

const FIRST_NAMES = [
  "John",
  "Maria",
  "David",
  "Linda",
  "Ahmed",
  "Sofia",
  "Michael",
  "Priya",
  "Carlos",
  "Anna",
  "Wei",
  "Fatima",
  "Peter",
  "Laura",
  "Daniel",
  "Chloe",
  "Lukas",
  "Hannah",
  "Mohammed",
  "Emily",
  "Tom",
  "Grace",
  "Jakob",
  "Olga",
];
const LAST_NAMES = [
  "Smith",
  "Garcia",
  "Müller",
  "Johnson",
  "Khan",
  "Rossi",
  "Brown",
  "Patel",
  "Schmidt",
  "Nguyen",
  "O'Brien",
  "Kowalski",
  "Taylor",
  "Fischer",
  "Williams",
  "Martin",
  "Jones",
  "Lee",
  "Weber",
  "Davies",
  "Silva",
  "Wilson",
];
// Values a spreadsheet would execute or a browser would run: rare, but real exports contain them.
const HOSTILE_NAMES = [
  '=HYPERLINK("http://example.com/collect","Click me")',
  "=1+2",
  "+49 Anna Weber",
  "=cmd|' /C calc'!A0",
  "+SUM(A1:A3)",
  "-2+3 Jones",
  "@SUM(1,1)",
];

const COUNTRIES: readonly (readonly [{ prefix: string; digits: number; ratePerMinute: number }, number])[] = [
  [{ prefix: "+1", digits: 10, ratePerMinute: 0.014 }, 62],
  [{ prefix: "+44", digits: 10, ratePerMinute: 0.021 }, 16],
  [{ prefix: "+49", digits: 11, ratePerMinute: 0.024 }, 14],
  [{ prefix: "+61", digits: 9, ratePerMinute: 0.031 }, 8],
];

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

interface SimulatedClient {
  name: string;
  phoneNumber: string;
  ratePerMinute: number;
}

/** Customer `clientIndex` of the seed's customer list: same number, same name, every call. */
export function clientOf(seed: number, clientIndex: number): SimulatedClient {
  const rng = new Rng(seedOf(seed, -1, clientIndex, 3));
  const country = rng.weighted(COUNTRIES);
  let digits = String(rng.between(2, 9));
  while (digits.length < country.digits) digits += String(rng.int(10));
  return {
    name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
    phoneNumber: `${country.prefix}${digits}`,
    ratePerMinute: country.ratePerMinute,
  };
}

/** A client phone number that occurs in the seed's data (for phone_number filter tests). */
export function simulatedClientPhoneNumber(seed: number, clientIndex: number): string {
  return clientOf(seed | 0, clientIndex).phoneNumber;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function base36(rng: Rng, length: number): string {
  let out = "";
  while (out.length < length) out += rng.int(36).toString(36);
  return out;
}

/** A date 1–maxDays after `date`; plain UTC arithmetic, as date-fns parsing per call is measurably slow. */
function dateAfter(date: string, rng: Rng, maxDays: number): string {
  const later = new Date(Date.parse(`${date}T00:00:00Z`) + rng.between(1, maxDays) * 86_400_000);
  return later.toISOString().slice(0, 10);
}

function variablesFor(
  rng: Rng,
  assistant: SimulatedAssistant,
  date: string,
  customerName: string,
  connected: boolean,
  finished: boolean,
  fromCampaign: boolean,
): Record<string, unknown> {
  // Campaign uploads pre-fill the customer's name; the rest is collected during the call.
  const variables: Record<string, unknown> = {};
  if (assistant.name !== "Survey Bot" && (fromCampaign || connected)) variables.customer_name = customerName;
  if (!finished) return variables;
  switch (assistant.name) {
    case "Sales Assistant":
      variables.interest_level = rng.pick(["high", "medium", "low", "none"]);
      if (variables.interest_level !== "none") variables.follow_up_date = dateAfter(date, rng, 14);
      break;
    case "Appointment Scheduler":
      variables.appointment_date = dateAfter(date, rng, 21);
      variables.appointment_time = `${String(rng.between(8, 17)).padStart(2, "0")}:${rng.pick(["00", "15", "30", "45"])}`;
      variables.confirmed = rng.chance(0.7);
      break;
    case "Support Line":
      variables.issue_category = rng.pick(["billing", "login", "delivery", "cancellation", "technical"]);
      variables.ticket_id = `TCK-${rng.between(100000, 999999)}`;
      variables.resolved = rng.chance(0.6);
      break;
    case "Payment Reminder":
      variables.amount_due = round(rng.between(2000, 250000) / 100, 2);
      variables.promise_to_pay_date = rng.chance(0.55) ? dateAfter(date, rng, 10) : null;
      break;
    default:
      variables.nps_score = rng.int(11);
      variables.would_recommend = rng.chance(0.7) ? "yes" : "no";
      if (rng.chance(0.4)) variables.comments = rng.pick(SURVEY_COMMENTS);
  }
  return variables;
}

const SURVEY_COMMENTS = [
  "Delivery was quick, support was friendly.",
  "Too many calls, please reduce.",
  "The app keeps logging me out.",
  "Great service overall",
  "Price went up without notice",
];

const OUTCOMES: Record<string, readonly (readonly [string, number])[]> = {
  "Sales Assistant": [
    ["qualified_lead", 30],
    ["callback_requested", 25],
    ["not_interested", 40],
    ["wrong_number", 5],
  ],
  "Appointment Scheduler": [
    ["appointment_booked", 55],
    ["appointment_rescheduled", 20],
    ["declined", 25],
  ],
  "Support Line": [
    ["resolved", 60],
    ["escalated", 25],
    ["unresolved", 15],
  ],
  "Payment Reminder": [
    ["promise_to_pay", 45],
    ["dispute", 15],
    ["refused", 40],
  ],
  "Survey Bot": [
    ["survey_completed", 70],
    ["survey_partial", 20],
    ["declined", 10],
  ],
};
const GOOD_OUTCOMES = new Set([
  "qualified_lead",
  "appointment_booked",
  "resolved",
  "promise_to_pay",
  "survey_completed",
  "callback_requested",
  "appointment_rescheduled",
]);

function evaluationFor(
  rng: Rng,
  assistant: SimulatedAssistant,
  answeredBy: AnsweredBy,
  durationSeconds: number,
): Record<string, unknown> {
  const outcome =
    answeredBy === "machine" ? "voicemail_left" : rng.weighted(OUTCOMES[assistant.name] ?? [["completed", 1]]);
  const good = GOOD_OUTCOMES.has(outcome);
  const raw = good ? 6 + rng.next() * 4 : answeredBy === "machine" ? 2 + rng.next() * 3 : rng.next() * 6;
  const score = Math.min(10, round(raw, 1));
  const sentiment = score >= 7 ? "positive" : score >= 4 ? "neutral" : "negative";
  const evaluation: Record<string, unknown> = { sentiment, outcome, score };
  if (rng.chance(0.06)) {
    evaluation.summary = `${good ? "Productive" : "Unproductive"} ${Math.max(1, Math.round(durationSeconds / 60))}-minute call; outcome: ${outcome.replaceAll("_", " ")}.`;
  }
  return evaluation;
}

const OPENINGS: Record<string, string> = {
  "Sales Assistant": "Hello, this is {p} from Autocalls. How are you doing today?",
  "Appointment Scheduler": "Hi, this is {p} calling from Riverside Dental to help you book your next appointment.",
  "Support Line": "Thank you for calling customer support, my name is {p}. How can I help you today?",
  "Payment Reminder": "Good day, this is {p} calling on behalf of Northwind Finance about your account.",
  "Survey Bot": "Hi, I'm {p}, and I'd like to ask you three quick questions about your recent order.",
};
const ASSISTANT_LINES = [
  "I completely understand, let me check that for you.",
  "Could you confirm the email address we have on file?",
  "Thanks for your patience while I pull up your details.",
  "That's a great question. Our standard plan includes unlimited minutes and priority support.",
  "Would Tuesday afternoon or Thursday morning work better for you?",
  "I can send you a summary by email right after this call.",
  "Just to make sure I got that right, you said the order number ends in 42?",
  "Many of our customers in your area have seen their costs go down by about fifteen percent.",
  "I have noted that down. Is there anything else you would like to add?",
  "No problem at all, I can call you back at a better time.",
  "Let me repeat that back to you to make sure everything is correct.",
  "Our team will follow up within two business days.",
];
const CUSTOMER_LINES = [
  "Yes, that's right.",
  "Hmm, I'm not sure, can you explain that again?",
  "I've been meaning to sort this out for a while actually.",
  "How much would that cost per month?",
  "Sorry, the line is a bit noisy, could you repeat that?",
  "Okay, that sounds reasonable.",
  "I'm driving right now, can we keep this short?",
  "Thursday morning works for me.",
  "No, I already told the last person I'm not interested.",
  "Can you send me that in writing?",
  "Uh, yes, it's the one ending in four two.",
  "That would be great, thank you.",
  "My email is the same as before, I think.",
];
const CLOSINGS = [
  "Assistant: Thank you for your time today. Have a wonderful day!",
  "Assistant: Perfect, you're all set. Goodbye!",
  "Customer: Okay, bye.",
  "Assistant: I'll make a note of that. Take care!",
];

function transcriptFor(
  rng: Rng,
  assistant: SimulatedAssistant,
  customerName: string,
  answeredBy: AnsweredBy,
  durationSeconds: number,
  inProgress: boolean,
): string {
  const opening = (OPENINGS[assistant.name] ?? "Hello, this is {p}.").replace("{p}", assistant.persona);
  if (answeredBy === "machine") {
    return [
      `Customer: Hi, you've reached ${customerName.split(" ")[0]}. I can't take your call right now, please leave a message after the tone.`,
      `Assistant: ${opening} Please call us back at ${assistant.phoneNumber} at your convenience. Thank you!`,
    ].join("\n");
  }
  const lines = [`Assistant: ${opening}`];
  // Speech runs at roughly 14 characters a second; one call in a hundred is a rambling outlier.
  const targetChars = durationSeconds * 14 * (rng.chance(0.01) ? 4 : 1);
  let chars = lines[0]?.length ?? 0;
  // One call in five hundred has a customer "dictating an email address" that a careless viewer would execute.
  let hostile = rng.chance(0.002);
  let speaker = 0;
  while (chars < targetChars) {
    let line: string;
    if (speaker === 0) {
      line = hostile
        ? "Customer: my email is <script>alert('x')</script>@example.com"
        : `Customer: ${rng.pick(CUSTOMER_LINES)}`;
      hostile = false;
    } else {
      line = `Assistant: ${rng.pick(ASSISTANT_LINES)}`;
    }
    lines.push(line);
    chars += line.length + 1;
    speaker = 1 - speaker;
  }
  if (!inProgress) lines.push(rng.pick(CLOSINGS));
  return lines.join("\n");
}
