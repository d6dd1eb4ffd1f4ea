/**
 * What a simulated call says: the variables an assistant collects, the evaluation and the
 * transcript — each drawn from the call's own generator, in a fixed order (changing the order
 * changes every dataset).
 */
import type { AnsweredBy } from "./raw-call.js";
import type { Rng } from "./seeded-rng.js";
import type { SimulatedAssistant } from "./simulated-cast.js";

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function base36(rng: Rng, length: number): string {
  let out = "";
  while (out.length < length) out += rng.int(36).toString(36);
  return out;
}

/** A date 1–maxDays after `date`; plain UTC arithmetic, as date-fns parsing per call is measurably slow. */
function dateAfter(date: string, rng: Rng, maxDays: number): string {
  const later = new Date(Date.parse(`${date}T00:00:00Z`) + rng.between(1, maxDays) * 86_400_000);
  return later.toISOString().slice(0, 10);
}

export function variablesFor(
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

export function evaluationFor(
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

export function transcriptFor(
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
