// Compile-time contract: the shapes the widget, console and admin read,
// written by hand where they are narrower or friendlier than the generated
// ones, must be satisfied by what the server's OpenAPI document says it sends
// (schema.d.ts, generated from web/openapi.json, which a Rust test keeps equal
// to the server's /openapi.json). `npm run typecheck` fails when the server
// drops or retypes a field one of the screens reads.
//
// Two allowances: a field the server may omit (`x?: T | null`) is read as
// present-or-null (serde writes `null`), and free-form JSON the server types
// as `unknown` (analysis, summary cards) may be read through a narrower shape.
// The admin's normalised views (articles, analytics, roles) are built by the
// functions in app/admin/api.ts and are not wire shapes, so they are not here.
import type { components } from './schema';
import type * as Console from '../../app/console/types';
import type * as Admin from '../../app/admin/api';
import type * as Widget from '../../widget/types';

type S = components['schemas'];

/** The server's type with optional properties made required (never `undefined`), deeply. */
type Loose<T> = unknown extends T
  ? // free-form JSON: the UI may read it through a narrower shape
    any
  : T extends readonly (infer E)[]
    ? Loose<E>[]
    : T extends object
      ? { [K in keyof T]-?: Loose<Exclude<T[K], undefined>> }
      : T;
/** Keys of `Ui` the server does not provide as `Ui` reads them. */
type Mismatch<Server, Ui> = {
  [K in keyof Ui]-?: K extends keyof Server
    ? [Loose<Exclude<Server[K], undefined>>] extends [Ui[K]]
      ? never
      : K
    : undefined extends Ui[K]
      ? never
      : K;
}[keyof Ui];
/** Compiles only when `Server` satisfies `Ui` (`never` mismatching keys). */
type Agrees<Server, Ui, Bad = Mismatch<Server, Ui>> = [Bad] extends [never] ? true : Bad;
type Assert<T extends true> = T;

export type Contract = [
  Assert<Agrees<{ v: S['ConversationStatus'] }, { v: Console.ConversationStatus }>>,
  Assert<Agrees<{ v: S['Channel'] }, { v: Console.Channel }>>,
  Assert<Agrees<{ v: S['SenderType'] }, { v: Console.SenderType }>>,
  Assert<Agrees<{ v: S['Priority'] }, { v: Console.Priority }>>,
  Assert<Agrees<S['Conversation'], Console.Conversation>>,
  Assert<Agrees<S['Message'], Console.Message>>,
  Assert<Agrees<S['ConversationDetail'], Console.ConversationDetail>>,
  Assert<Agrees<S['ConversationPage'], Console.ConversationPage>>,
  Assert<Agrees<S['QueueSummary'], Console.QueueSummary>>,
  Assert<Agrees<S['Escalation'], Console.Escalation>>,
  Assert<Agrees<S['Suggestion'], Console.Suggestion>>,
  Assert<Agrees<S['PostMessageResult'], Console.PostMessageResult>>,
  Assert<Agrees<S['Citation'], Console.Citation>>,
  Assert<Agrees<{ v: S['ConversationStatus'] }, { v: Widget.ConversationStatus }>>,
  Assert<Agrees<{ v: S['ContentType'] }, { v: Widget.ContentType }>>,
  Assert<Agrees<S['Attachment'], Widget.Attachment>>,
  Assert<Agrees<S['Message'], Widget.Message>>,
  Assert<Agrees<S['Conversation'], Widget.Conversation>>,
  Assert<Agrees<S['ConversationDetail'], Widget.ConversationDetail>>,
  Assert<Agrees<S['PostMessageResult'], Widget.PostMessageResult>>,
  Assert<Agrees<S['VisitorResponse'], Widget.VisitorResponse>>,
  Assert<Agrees<S['Citation'], Widget.Citation>>,
  Assert<Agrees<S['StaffUser'], Admin.User>>,
  Assert<Agrees<S['CreatedUser'], Admin.CreatedUser>>,
  Assert<Agrees<S['ApiKey'], Admin.ApiKey>>,
  Assert<Agrees<S['CreatedApiKey'], Admin.CreatedApiKey>>,
  Assert<Agrees<S['RulesView'], Admin.RulesView>>,
  Assert<Agrees<S['SalesforceView'], Admin.SalesforceView>>,
];
