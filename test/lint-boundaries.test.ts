// The layer boundaries of DESIGN §4 are held by ESLint (eslint.config.mjs). These cases lint a file
// that is not on disk at a path inside each layer, so a config change that stops catching a
// breach fails here, not in review.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === "import/no-restricted-paths" || m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layer boundaries (ESLint)", () => {
  it.each([
    ["lib/orders/probe.ts", 'import RootLayout from "@/app/layout";\nexport const x = RootLayout;\n', /lib\/ must not import app\//],
    ["lib/orders/probe.ts", 'import RootLayout from "../../app/layout";\nexport const x = RootLayout;\n', /lib\/ must not import app\//],
    ["lib/orders/probe.ts", 'import { functions } from "@/inngest/index";\nexport const x = functions;\n', /lib\/ must not import inngest\//],
    [
      "lib/orders/probe.ts",
      'import { provisionVmFunction } from "@/inngest/functions/provision-vm";\nexport const x = provisionVmFunction;\n',
      /lib\/ must not import inngest\//,
    ],
    [
      "components/ui/probe.tsx",
      'import { signOutAction } from "@/app/(auth)/actions";\nexport const x = signOutAction;\n',
      /components\/ must not import app\//,
    ],
    ["app/probe/page.tsx", 'import { startAllSims } from "@/sim/launch";\nexport const x = startAllSims;\n', /stand-ins in sim\//],
    ["lib/orders/probe.ts", 'import { startAllSims } from "@lab-vps/sim";\nexport const x = startAllSims;\n', /stand-ins in sim\//],
    ["lib/orders/probe.ts", 'import { STEP_BUDGETS } from "@/inngest/step-budgets";\nexport const x = STEP_BUDGETS;\n', /lib\/ must not import inngest\//],
    ["lib/orders/probe.ts", 'import { unique } from "@/test/fixtures/unique";\nexport const x = unique;\n', /test fixtures/],
    // I2: the UI never touches Proxmox (an alias, a relative path, a component, provisioning).
    [
      "app/probe/page.tsx",
      'import { proxmoxRequest } from "@/lib/proxmox/client";\nexport const x = proxmoxRequest;\n',
      /I2: app\/ and components\/ must not import lib\/proxmox\//,
    ],
    [
      "app/admin/probe/actions.ts",
      'import { proxmoxRequest } from "../../../lib/proxmox/client";\nexport const x = proxmoxRequest;\n',
      /I2: .* lib\/proxmox\//,
    ],
    ["components/vms/probe.tsx", 'import { getVmRrdData } from "@/lib/proxmox/api";\nexport const x = getVmRrdData;\n', /I2: .* lib\/proxmox\//],
    [
      "app/probe/route.ts",
      'import { destroyOwnedVm } from "@/lib/provisioning/cleanup-actions";\nexport const x = destroyOwnedVm;\n',
      /I2: .* lib\/provisioning\//,
    ],
  ])("refuses %s importing across a boundary (%#)", async (filePath, code, message) => {
    const messages = await restrictedImports(filePath, code);
    expect(
      messages.some((m) => message.test(m)),
      messages.join("\n") || "no boundary error",
    ).toBe(true);
  });

  it("allows what the layers may import: domain code emitting an event, a test using a fixture", async () => {
    expect(
      await restrictedImports(
        "lib/orders/probe.ts",
        'import { inngest } from "@/lib/jobs/client";\nimport { orderPaid } from "@/lib/jobs/events";\nexport const x = [inngest, orderPaid];\n',
      ),
    ).toEqual([]);
    expect(await restrictedImports("lib/orders/probe.test.ts", 'import { unique } from "@/test/fixtures/unique";\nexport const x = unique;\n')).toEqual([]);
  });
});
