import { proxyActivities } from '@temporalio/workflow';
import { runFanoutChild } from '@temporal-patterns/fanout';

// The parent is the package's own workflow: register it on the worker next to your children.
export { fanoutWorkflow } from '@temporal-patterns/fanout';

const { makeThumbnail } = proxyActivities<{
  makeThumbnail(photoUri: string): Promise<{ uri: string; bytes: number }>;
}>({ startToCloseTimeout: '1 minute' });

/** One child per photo: waits for the parent's start signal, makes a thumbnail, reports where it is. */
export async function thumbnailChild(): Promise<void> {
  await runFanoutChild(async (photoUri) => {
    const thumbnail = await makeThumbnail(String(photoUri));
    return { resultRef: thumbnail.uri, value: thumbnail.bytes };
  });
}
