/**
 * Logical functions (XACML 3.0 §A.3.5). `and`, `or` and `n-of` evaluate their arguments from
 * first to last and stop as soon as the result is known; an error before that point makes the
 * whole expression Indeterminate, as the spec's fixed order implies.
 */
import { type Atom, DATA_TYPES } from "../datatypes.ts";
import { EvaluationError, STATUS } from "../decision.ts";
import { expectAtom } from "../values.ts";
import { F1, type FunctionDef, type Thunk } from "./types.ts";

const bool = (value: boolean): Atom => ({ type: DATA_TYPES.boolean, value });
const B = DATA_TYPES.boolean;

function truth(arg: Thunk, where: string): boolean {
  return expectAtom(arg(), B, where).value as boolean;
}

/** The logical functions by id. */
export function logicFunctions(): [string, FunctionDef][] {
  return [
    [
      `${F1}and`,
      {
        arity: [0, Infinity],
        returns: B,
        apply: (args) => bool(args.every((arg, i) => truth(arg, `and argument ${i + 1}`))),
      },
    ],
    [
      `${F1}or`,
      {
        arity: [0, Infinity],
        returns: B,
        apply: (args) => bool(args.some((arg, i) => truth(arg, `or argument ${i + 1}`))),
      },
    ],
    [`${F1}not`, { arity: 1, returns: B, apply: ([arg]) => bool(!truth(arg!, "not")) }],
    [
      `${F1}n-of`,
      {
        arity: [1, Infinity],
        returns: B,
        apply: ([first, ...rest]) => {
          const n = expectAtom(first!(), DATA_TYPES.integer, "n-of argument 1").value as number;
          if (n > rest.length) {
            throw new EvaluationError(STATUS.processingError, `n-of: ${n} is more than its ${rest.length} arguments`);
          }
          let count = 0;
          for (const [i, arg] of rest.entries()) {
            if (count >= n) break;
            if (truth(arg, `n-of argument ${i + 2}`)) count++;
          }
          return bool(count >= n);
        },
      },
    ],
  ];
}
