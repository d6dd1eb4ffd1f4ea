/**
 * Who appears in the simulated calls: the account's assistants and campaigns, and the
 * customers they call (names, numbers and carrier rates drawn per seed).
 */
import { Rng, seedOf } from "./seeded-rng.js";

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
export const HOSTILE_NAMES = [
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
