import type { Duration } from '@temporalio/common';
import { condition, log, uuid4, workflowInfo } from '@temporalio/workflow';
import { toMs } from './duration.js';
import { ExternalWorkflowNotFoundError, RemoteRequestError, RequestTimeoutError } from './errors.js';
import { signalWorkflow, type WorkflowTarget } from './signal-workflow.js';
import {
  defineTypedSignal,
  setTypedHandler,
  type PayloadValidator,
  type TypedSignal,
} from './typed-signal.js';
import { parseRecord, requiredString } from './parse.js';

/** What travels on the request signal: the payload plus who to answer and under which id. */
export interface RequestEnvelope<Req> {
  correlationId: string;
  /** Workflow id (no run id) of the requester: replies reach its latest run after a continue-as-new. */
  sender: string;
  payload: Req;
}

/** What travels on the response signal. */
export type ResponseEnvelope<Res> =
  | { correlationId: string; sender: string; ok: true; payload: Res }
  | { correlationId: string; sender: string; ok: false; error: string };

/** A request/response protocol over two signals, `<name>.request` and `<name>.response`. */
export interface RequestResponseDefinition<Req, Res> {
  readonly name: string;
  readonly request: TypedSignal<RequestEnvelope<Req>>;
  readonly response: TypedSignal<ResponseEnvelope<Res>>;
}

function run<T>(validator: PayloadValidator<T>, raw: unknown): T {
  return typeof validator === 'function' ? validator(raw) : validator.parse(raw);
}

/**
 * Defines a request/response protocol between workflows. Both payloads are validated on arrival.
 *
 * @example
 * const quote = defineRequestResponse('pricing.quote', {
 *   request: (raw) => raw as { sku: string },
 *   response: (raw) => raw as { cents: number },
 * });
 */
export function defineRequestResponse<Req, Res>(
  name: string,
  validators: { request: PayloadValidator<Req>; response: PayloadValidator<Res> },
): RequestResponseDefinition<Req, Res> {
  return {
    name,
    request: defineTypedSignal(`${name}.request`, (raw) => {
      const obj = parseRecord(raw);
      return {
        correlationId: requiredString(obj, 'correlationId'),
        sender: requiredString(obj, 'sender'),
        payload: run(validators.request, obj.payload),
      };
    }),
    response: defineTypedSignal(`${name}.response`, (raw): ResponseEnvelope<Res> => {
      const obj = parseRecord(raw);
      const correlationId = requiredString(obj, 'correlationId');
      const sender = requiredString(obj, 'sender');
      if (obj.ok === true)
        return { correlationId, sender, ok: true, payload: run(validators.response, obj.payload) };
      if (obj.ok === false) return { correlationId, sender, ok: false, error: requiredString(obj, 'error') };
      throw new Error('ok must be true or false');
    }),
  };
}

/** Sends requests and matches their responses by correlation id. */
export interface Requester<Req, Res> {
  /**
   * Sends `payload` to `target` and waits up to `timeout` for its response. Rejects with
   * `RequestTimeoutError`, `RemoteRequestError` (the responder threw) or `ExternalWorkflowNotFoundError`.
   */
  call(target: string | WorkflowTarget, payload: Req, options: { timeout: Duration }): Promise<Res>;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
  /** Responses dropped because their id was unknown or had expired. */
  readonly droppedResponses: number;
}

/**
 * Creates the workflow's requester for `definition` (registers the response handler). Many calls may be in
 * flight at once; each gets its own response. Late responses to expired or unknown ids are dropped.
 */
export function createRequester<Req, Res>(
  definition: RequestResponseDefinition<Req, Res>,
): Requester<Req, Res> {
  const waiting = new Map<string, ResponseEnvelope<Res> | undefined>();
  let dropped = 0;
  setTypedHandler(definition.response, (response) => {
    if (!waiting.has(response.correlationId) || waiting.get(response.correlationId) !== undefined) {
      dropped += 1;
      log.debug(`Dropped response to unknown or expired request ${response.correlationId}`, {
        request: definition.name,
        correlationId: response.correlationId,
        sender: response.sender,
      });
      return;
    }
    waiting.set(response.correlationId, response);
  });

  return {
    get inFlight() {
      return waiting.size;
    },
    get droppedResponses() {
      return dropped;
    },
    async call(target, payload, { timeout }) {
      const correlationId = uuid4();
      const targetId = typeof target === 'string' ? target : target.workflowId;
      const timeoutMs = toMs(timeout);
      waiting.set(correlationId, undefined);
      let response: ResponseEnvelope<Res> | undefined;
      try {
        await signalWorkflow(target, definition.request, {
          correlationId,
          sender: workflowInfo().workflowId,
          payload,
        });
        const answered = await condition(() => waiting.get(correlationId) !== undefined, timeoutMs);
        if (!answered) throw new RequestTimeoutError(definition.name, correlationId, targetId, timeoutMs);
        response = waiting.get(correlationId);
      } finally {
        waiting.delete(correlationId);
      }
      if (!response!.ok) throw new RemoteRequestError(definition.name, correlationId, response!.error);
      return response!.payload;
    },
  };
}

export interface ServeRequestsOptions {
  /** Correlation ids already answered in a previous run (from `snapshot()`), so duplicates stay ignored. */
  answered?: readonly string[];
  /** How many answered ids to remember for deduplication. Defaults to 1,000. */
  rememberAnswered?: number;
}

/** The responder side: its deduplication memory, to carry across continue-as-new. */
export interface Responder {
  snapshot(): string[];
}

/**
 * Answers requests for `definition` inside the workflow with `handler`. A request delivered twice is
 * answered once; a handler that throws sends the error back (`RemoteRequestError` at the requester); a
 * requester that has closed is logged and skipped, never failing this workflow.
 */
export function serveRequests<Req, Res>(
  definition: RequestResponseDefinition<Req, Res>,
  handler: (payload: Req, meta: { correlationId: string; sender: string }) => Res | Promise<Res>,
  options: ServeRequestsOptions = {},
): Responder {
  const limit = options.rememberAnswered ?? 1000;
  const answered = new Set<string>(options.answered ?? []);
  setTypedHandler(definition.request, async (request) => {
    if (answered.has(request.correlationId)) return;
    answered.add(request.correlationId);
    if (answered.size > limit) answered.delete(answered.values().next().value as string);
    let response: ResponseEnvelope<Res>;
    const me = workflowInfo().workflowId;
    try {
      const result = await handler(request.payload, {
        correlationId: request.correlationId,
        sender: request.sender,
      });
      response = { correlationId: request.correlationId, sender: me, ok: true, payload: result };
    } catch (err) {
      response = {
        correlationId: request.correlationId,
        sender: me,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      };
    }
    // Whatever goes wrong delivering the answer is the requester's problem (it times out), never ours.
    try {
      await signalWorkflow(request.sender, definition.response, response);
    } catch (err) {
      const reason =
        err instanceof ExternalWorkflowNotFoundError ? 'is gone' : `could not be answered: ${String(err)}`;
      log.warn(`Requester ${request.sender} ${reason}; response to ${request.correlationId} dropped`, {
        request: definition.name,
        correlationId: request.correlationId,
      });
    }
  });
  return { snapshot: () => [...answered] };
}
