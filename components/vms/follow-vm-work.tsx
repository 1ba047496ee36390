"use client";
// Follows a VM's work in progress for a server-rendered page (the resize page, and any section that
// shows power, resize, snapshot or backup progress): the page re-renders by itself when the work
// moves on, and polling stops once nothing is active. One line in a page:
// <FollowVmWork vmId={vm.id} initial={await loadVmWork(user.id, vm.id)} />.
import { useFollow } from "@/components/ui/use-follow";
import { WayForward } from "@/components/ui/way-forward";
import type { VmWork } from "@/lib/work/vm-work";

export function FollowVmWork({ vmId, initial }: { vmId: string; initial: VmWork }) {
  const followed = useFollow(`/api/vms/${encodeURIComponent(vmId)}/status`, initial, {
    isActive: (v) => v.active,
    changeKey: (v) => v.version,
  });
  // data-following says whether the page is still polling (tests read it: following stops when the work does).
  return (
    <div data-testid="follow-work" data-following={followed.view.active && !followed.gaveUp ? "yes" : "no"}>
      <WayForward {...followed} active={followed.view.active} />
    </div>
  );
}
