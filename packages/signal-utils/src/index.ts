// Workflow-safe entry: everything here may be imported by workflow code. Building blocks for pattern
// authors (the workflow loop, payload parsers, continue-as-new) are in './pattern-kit.js'.
export {
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
export { signalWorkflow, type SignalWorkflowOptions, type WorkflowTarget } from './signal-workflow.js';
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
  type Requester,
  type RequestResponseDefinition,
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
export { assertPayloadSize, dataRef, isDataRef, type DataRef } from './payload-guard.js';
