"use client";
// The operator's tenant network settings (issue 26): the SDN zone (or the bridge fallback), the
// tag range, the address pool and each subnet's VM address range, nameservers, and the
// management networks no VM may reach. Validated on the server, field by field.
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import type { FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

function Select({ name, label, options, state }: { name: string; label: string; options: Record<string, string>; state: FormState }) {
  const error = state.fieldErrors?.[name];
  return (
    <div className="space-y-1.5">
      <label htmlFor={`net-${name}`} className="block text-sm font-medium text-ink">
        {label}
      </label>
      <select
        id={`net-${name}`}
        name={name}
        defaultValue={state.values?.[name]}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `net-${name}-error` : undefined}
        className="block w-full rounded-lg border border-line-strong bg-surface px-3 py-2 text-ink"
      >
        {Object.entries(options).map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {error ? (
        <p id={`net-${name}-error`} className="text-sm text-danger-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function NetworkSettingsForm({ values, action }: { values: Record<string, string>; action: Action }) {
  const [state, formAction] = useActionState(action, { status: "idle", values });
  const filled: FormState = { ...state, values: state.values ?? values };
  const field = (name: string, label: string, hint?: string) => (
    <Field name={name} id={`net-${name}`} label={label} state={filled} hint={hint} required={false} />
  );
  return (
    <form action={formAction} noValidate className="space-y-4" aria-label="Tenant network settings" data-testid="network-settings-form">
      <FormMessage state={filled} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Select name="mode" label="Isolation" state={filled} options={{ sdn: "SDN: a VNet per customer", bridge: "Fallback: one bridge, VM firewall only" }} />
        {field("sdnZone", "SDN zone", "The zone's id in Datacenter → SDN")}
        <Select name="sdnZoneType" label="Zone type" state={filled} options={{ vlan: "VLAN", vxlan: "VXLAN", simple: "Simple (one node)" }} />
        {field("tagMin", "First tag", "VLAN tag / VXLAN VNI of the first customer")}
        {field("tagMax", "Last tag", "Empty for a Simple zone")}
        {field("addressPool", "Address pool", "Private, e.g. 10.240.0.0/16")}
        {field("subnetPrefix", "Customer subnet size", "Prefix length, e.g. 24")}
        {field("hostFirst", "First VM host", "Host number in each subnet (1 is the gateway)")}
        {field("hostLast", "Last VM host", "The subnet's address range ends here")}
        {field("bridge", "Fallback bridge", "e.g. vmbr0")}
        {field("bridgeSubnet", "Fallback subnet", "The bridge's subnet (fallback only)")}
        {field("bridgeGateway", "Fallback gateway", "The bridge's router (fallback only)")}
        {field("nameservers", "Nameservers", "Up to 3 IPv4 addresses")}
        {field("managementCidrs", "Management networks", "The nodes' networks: no VM may reach them")}
      </div>
      <SubmitButton pendingLabel="Saving…">Save network settings</SubmitButton>
    </form>
  );
}
