import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import {
  createRequester,
  defineRequestResponse,
  serveRequests,
  waitForSignal,
  defineTypedSignal,
} from '@temporal-patterns/signal-utils';

// A request/response protocol: wire names "pricing.quote.request" and "pricing.quote.response".
export const quote = defineRequestResponse('pricing.quote', {
  request: (raw) => {
    const { sku } = raw as { sku?: unknown };
    if (typeof sku !== 'string') throw new Error('sku must be a string');
    return { sku };
  },
  response: (raw) => raw as { sku: string; cents: number },
});

export const paid = defineTypedSignal('checkout.paid', (raw) => {
  if (typeof (raw as { receipt?: unknown })?.receipt !== 'string') throw new Error('receipt missing');
  return raw as { receipt: string };
});

const closeShop = defineSignal('pricing.close');

/** Answers price quotes until closed. */
export async function pricingWorkflow(prices: Record<string, number>): Promise<void> {
  let open = true;
  setHandler(closeShop, () => void (open = false));
  serveRequests(quote, ({ sku }) => {
    const cents = prices[sku];
    if (cents === undefined) throw new Error(`unknown sku ${sku}`);
    return { sku, cents };
  });
  await condition(() => !open);
}

/** Asks the pricing workflow for quotes, then waits (at most a minute) for payment. */
export async function checkoutWorkflow(pricingWorkflowId: string, skus: string[]): Promise<string> {
  const pricing = createRequester(quote);
  const quotes = await Promise.all(
    skus.map((sku) => pricing.call(pricingWorkflowId, { sku }, { timeout: '10s' })),
  );
  const total = quotes.reduce((sum, q) => sum + q.cents, 0);
  const { receipt } = await waitForSignal(paid, '1 minute');
  return `${skus.length} items, ${total} cents, receipt ${receipt}`;
}

export { closeShop };
