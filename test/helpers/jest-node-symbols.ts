import { addAbortListener } from 'node:events';

// Node 22 defines Symbol.dispose as a polyfill in its own realm only; jest runs each suite in a vm
// context whose Symbol lacks it, and undici 8's fetch calls `events.addAbortListener(…)[Symbol.dispose]`.
// Give the suite's realm Node's symbol (Node 24 has it natively in every context).
if ((Symbol as { dispose?: symbol }).dispose === undefined) {
  const probe = addAbortListener(new AbortController().signal, () => undefined) as object;
  const [dispose] = Object.getOwnPropertySymbols(probe);
  if (dispose !== undefined) Object.defineProperty(Symbol, 'dispose', { value: dispose });
}
