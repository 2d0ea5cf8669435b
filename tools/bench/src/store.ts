// The protected resource: an HTTP service in the driver process. Every critical section (Temporal workers,
// Redis and PostgreSQL loops alike) enters and leaves through it, so all timestamps come from one clock,
// outside workflow code, and every fencing token is checked in one place.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const now = (): number => performance.timeOrigin + performance.now();

export interface Section {
  resourceId: string;
  holder: string;
  fencingToken: number;
  enteredAt: number;
  leftAt?: number;
  accepted: boolean;
}

export interface Violation {
  kind: 'overlap' | 'stale-token';
  resourceId: string;
  detail: string;
  at: number;
}

interface ResourceState {
  maxToken: number;
  inside?: Section;
  sections: Section[];
}

/** Records critical sections per resource and counts the two ways mutual exclusion can break. */
export class ProtectedStore {
  readonly resources = new Map<string, ResourceState>();
  readonly violations: Violation[] = [];
  readonly stamps = new Map<string, Map<string, number>>();
  private server?: http.Server;
  private readonly gates = new Map<string, { after: number; waiting: Array<() => void> }>();
  url = '';

  /**
   * Holds the holders of `resourceId` inside their critical section (the store answers their enter only
   * later) once `after` sections have entered, until {@link openGate}: a fault scenario then injects its
   * faults mid-contention however fast the server is, instead of racing the contenders to the end.
   */
  holdAfter(resourceId: string, after: number): void {
    this.gates.set(resourceId, { after, waiting: [] });
  }

  /** Lets every held and later holder of `resourceId` through. */
  openGate(resourceId: string): void {
    const gate = this.gates.get(resourceId);
    this.gates.delete(resourceId);
    for (const answer of gate?.waiting ?? []) answer();
  }

  private state(resourceId: string): ResourceState {
    let s = this.resources.get(resourceId);
    if (!s) this.resources.set(resourceId, (s = { maxToken: 0, sections: [] }));
    return s;
  }

  /**
   * A holder enters. Refused (and counted) when its token is below the highest seen; an overlap is counted
   * when a different token is still inside. The same token again is a retried activity of the same holder.
   */
  enter(resourceId: string, holder: string, fencingToken: number): Section {
    const s = this.state(resourceId);
    const at = now();
    if (s.inside && s.inside.fencingToken !== fencingToken && s.inside.leftAt === undefined) {
      this.violations.push({
        kind: 'overlap',
        resourceId,
        at,
        detail: `token ${fencingToken} (${holder}) entered while ${s.inside.fencingToken} (${s.inside.holder}) was inside`,
      });
    }
    const accepted = fencingToken >= s.maxToken;
    if (!accepted) {
      this.violations.push({
        kind: 'stale-token',
        resourceId,
        at,
        detail: `token ${fencingToken} (${holder}) after ${s.maxToken}`,
      });
    }
    s.maxToken = Math.max(s.maxToken, fencingToken);
    const retried = s.inside?.fencingToken === fencingToken ? s.inside : undefined;
    if (retried) {
      // A retry of the same holder's activity (its first attempt died with the worker): keep one section.
      retried.enteredAt = retried.enteredAt || at;
      retried.leftAt = undefined;
      return retried;
    }
    const section: Section = { resourceId, holder, fencingToken, enteredAt: at, accepted };
    s.sections.push(section);
    s.inside = section;
    return section;
  }

  leave(resourceId: string, fencingToken: number): void {
    const s = this.state(resourceId);
    if (s.inside?.fencingToken === fencingToken) s.inside.leftAt = now();
  }

  /** Every section of a resource, in the order they were entered. */
  sections(resourceId: string): Section[] {
    return this.state(resourceId).sections;
  }

  stamp(key: string, label: string): void {
    let m = this.stamps.get(key);
    if (!m) this.stamps.set(key, (m = new Map()));
    if (!m.has(label)) m.set(label, now());
  }

  async listen(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        try {
          const msg = JSON.parse(body) as Record<string, unknown>;
          if (req.url === '/enter') {
            const resourceId = String(msg.resourceId);
            const section = this.enter(resourceId, String(msg.holder), Number(msg.fencingToken));
            const answer = (): void =>
              void res
                .writeHead(200, { 'content-type': 'application/json' })
                .end(JSON.stringify({ accepted: section.accepted }));
            const gate = this.gates.get(resourceId);
            if (gate && this.sections(resourceId).length > gate.after) gate.waiting.push(answer);
            else answer();
            return;
          } else if (req.url === '/leave') {
            this.leave(String(msg.resourceId), Number(msg.fencingToken));
          } else if (req.url === '/stamp') {
            this.stamp(String(msg.key), String(msg.label));
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (err) {
          res.writeHead(400).end(String(err));
        }
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Client side of the store, used by worker activities and by the Redis/PostgreSQL loops alike. */
export class StoreClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  constructor(private readonly url: string) {}

  post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const data = JSON.stringify(body);
    const url = new URL(path, this.url);
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`store ${path}: ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text) as Record<string, unknown>);
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Enters, holds for `holdMs`, leaves: the critical section every system under test runs. */
  async criticalSection(input: {
    resourceId: string;
    holder: string;
    fencingToken: number;
    holdMs: number;
  }): Promise<{ accepted: boolean }> {
    const { accepted } = await this.post('/enter', input);
    if (input.holdMs > 0) await new Promise((r) => setTimeout(r, input.holdMs));
    await this.post('/leave', { resourceId: input.resourceId, fencingToken: input.fencingToken });
    return { accepted: Boolean(accepted) };
  }

  close(): void {
    this.agent.destroy();
  }
}
