/**
 * The catalogs bench:freshness simulates: the spec's (3 critical + 6 secondary) and a larger one
 * of the same 3 critical assets plus 100 generated secondary ones (forex and crypto, HIGH, MEDIUM
 * and LOW), generated from a fixed seed.
 */
import { DEFAULT_ASSETS } from "../../src/config/priority-assets.js";
import {
  type AssetDefinition,
  AssetPriority,
  type AssetPriorityName,
  type AssetType,
} from "../../src/models/batch.js";
import { seededRandom } from "../../test/support/fakes.js";

export interface Scenario {
  title: string;
  assets: readonly AssetDefinition[];
}

const GENERATED_TIERS: ReadonlyArray<[AssetPriorityName, number]> = [
  ["HIGH", 20],
  ["MEDIUM", 40],
  ["LOW", 40],
];

export function specScenario(): Scenario {
  return { title: "the spec's catalog: 3 critical + 6 secondary assets", assets: DEFAULT_ASSETS };
}

export function largeScenario(seed = 103): Scenario {
  const random = seededRandom(seed);
  const tiers = GENERATED_TIERS.flatMap(([name, count]) => Array<AssetPriorityName>(count).fill(name));
  for (let i = tiers.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [tiers[i], tiers[j]] = [tiers[j] as AssetPriorityName, tiers[i] as AssetPriorityName];
  }
  const generated = tiers.map((tier, i): AssetDefinition => {
    const assetType: AssetType = random() < 0.5 ? "forex" : "crypto";
    const base = `${assetType === "forex" ? "FX" : "CR"}${String(i + 1).padStart(3, "0")}`;
    return {
      symbol: `${base}USD`,
      polygonTicker: `${assetType === "forex" ? "C:" : "X:"}${base}USD`,
      assetType,
      name: `Generated ${assetType} pair ${i + 1}`,
      priority: AssetPriority[tier],
      baseAsset: base,
      quoteAsset: "USD",
      pricePrecision: 5,
    };
  });
  const critical = DEFAULT_ASSETS.filter((a) => a.priority === AssetPriority.CRITICAL);
  return {
    title: `3 critical + ${generated.length} secondary assets (generated: ${describe(generated)})`,
    assets: [...critical, ...generated],
  };
}

function describe(assets: readonly AssetDefinition[]): string {
  const count = (test: (a: AssetDefinition) => boolean) => assets.filter(test).length;
  const tiers = GENERATED_TIERS.map(
    ([name]) => `${count((a) => a.priority === AssetPriority[name])} ${name}`,
  );
  const types = `${count((a) => a.assetType === "forex")} forex / ${count((a) => a.assetType === "crypto")} crypto`;
  return `${tiers.join(", ")}; ${types}`;
}
