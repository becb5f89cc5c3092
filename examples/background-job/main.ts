// A background job runner measured with slokit: each run of the catalog import is one event of the
// "catalog-import" SLI (tracked with kit.track), and every catalog read records a freshness event.
//   node --import tsx examples/background-job/main.ts [--runs 6]
import { parseArgs } from 'node:util';
import { addContext, createSlokit, defineSli } from 'slokit';
import type { WorkEvent } from 'slokit';

const catalogImport = defineSli<WorkEvent>({
  name: 'catalog-import',
  events: 'custom',
  description: 'Catalog imports finish without error in under 2 s',
  objective: '95%',
  good: { latency: { under: '2s' } },
});

const catalogFreshness = defineSli<{ updatedAt: Date }>({
  name: 'catalog-freshness',
  description: 'Catalog reads serve data updated within 24 hours',
  objective: '99%',
  freshness: { maxAge: '24h' },
});

const kit = createSlokit({ slis: [catalogImport, catalogFreshness] });

const catalog = { updatedAt: new Date(Date.now() - 30 * 3_600_000), items: 0 };

async function importCatalog(run: number): Promise<void> {
  addContext({ 'app.import.run': run });
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Every third import fails: the supplier's feed is down.
  if (run % 3 === 2) throw new Error('supplier feed unavailable');
  catalog.items = 1_000 + run;
  catalog.updatedAt = new Date();
  addContext({ 'app.import.items': catalog.items });
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '6' } } });
const runs = Number(values.runs);

for (let run = 0; run < runs; run++) {
  // A customer reads the catalog before each import: stale until the first import succeeds.
  const read = kit.record(catalogFreshness, { updatedAt: catalog.updatedAt });
  if (read.outcome === 'bad')
    console.log(`run ${run}: the catalog read before the import was stale (${read.reason})`);
  try {
    await kit.track(catalogImport, () => importCatalog(run));
  } catch (error) {
    console.log(
      `run ${run}: import failed (${(error as Error).message}); the error reached the caller unchanged`,
    );
  }
}

// What this process saw, per SLI: good and bad events and the error budget left.
for (const sli of kit.status().slis) {
  console.log(
    `${sli.name}: ${sli.good} good, ${sli.bad} bad, budget remaining ${(sli.budgetRemaining * 100).toFixed(0)}%`,
  );
}
await kit.shutdown();
