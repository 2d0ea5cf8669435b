// Workflow-safe entry: everything here may be imported by workflow code.
export {
  CircularWaitError,
  ExternalWorkflowNotFoundError,
  InvalidSignalPayloadError,
  PayloadTooLargeError,
  RemoteRequestError,
  RequestTimeoutError,
  SequenceGapError,
  SignalDeliveryError,
  SignalTimeoutError,
} from './errors.js';
export {
  defineTypedSignal,
  fromGuard,
  senderOf,
  setTypedHandler,
  type PayloadValidator,
  type TypedHandlerOptions,
  type TypedSignal,
} from './typed-signal.js';
export {
  isExternalWorkflowNotFound,
  signalWorkflow,
  type SignalWorkflowOptions,
  type WorkflowTarget,
} from './signal-workflow.js';
export {
  SignalChannel,
  signalChannel,
  waitForAnySignal,
  waitForSignal,
  type FirstSignal,
  type SignalChannelOptions,
} from './signal-channel.js';
export {
  createRequester,
  defineRequestResponse,
  serveRequests,
  type RequestEnvelope,
  type Requester,
  type RequestResponseDefinition,
  type Responder,
  type ResponseEnvelope,
  type ServeRequestsOptions,
} from './request-response.js';
export {
  SequencedReceiver,
  SequencedSender,
  defineSequencedSignal,
  type SequencedMessage,
  type SequencedReceiverOptions,
  type SequencedReceiverState,
} from './sequenced-channel.js';
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  assertPayloadSize,
  dataRef,
  isDataRef,
  payloadSize,
  type DataRef,
} from './payload-guard.js';
export { assertNoCircularWaits, type WaitEdge } from './signal-graph.js';
export { drainAndContinueAsNew, shouldContinueAsNew } from './continue-as-new.js';
export { toMs as durationToMs } from './duration.js';
