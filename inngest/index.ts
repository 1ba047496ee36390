// The functions served by app/api/inngest/route.ts. One function per file in ./functions.
import type { InngestFunction } from "inngest";
import { checkoutCompletedFunction } from "./functions/checkout-completed";
import { checkoutExpiredFunction } from "./functions/checkout-expired";
import { subscriptionSyncFunction } from "./functions/subscription-sync";
import { subscriptionMirrorFunction } from "./functions/subscription-mirror";
import { vmPowerFunction } from "./functions/vm-power";
import { provisionVmFunction } from "./functions/provision-vm";
import { cleanupProvisioningFunction } from "./functions/cleanup-provisioning";
import { sweepStuckWorkFunction } from "./functions/sweep-stuck-work";
import { resizeVmFunction } from "./functions/resize-vm";
import { billingLadderFunction } from "./functions/billing-ladder";
import { billingSuspendVmFunction } from "./functions/billing-suspend-vm";
import { billingRestoreVmFunction } from "./functions/billing-restore-vm";
import { billingDeleteVmFunction } from "./functions/billing-delete-vm";
import { billingReconcileFunction } from "./functions/billing-reconcile";
import { billingClockReadyFunction } from "./functions/billing-clock-ready";
import { refundFailedOrderFunction } from "./functions/refund-failed-order";
import { restoreVmFunction } from "./functions/restore-vm";
import { billingReconcileSubscriptionFunction } from "./functions/billing-reconcile-subscription";
import { cardUpdateSignalFunction } from "./functions/card-update-signal";
import { cardUpdateApplyFunction } from "./functions/card-update-apply";
import { vmOperationFunction } from "./functions/vm-operation";
import { rebuildVmFunction } from "./functions/rebuild-vm";
import { backupScheduleFunction } from "./functions/backup-schedule";
import { deliverWaitingMailFunction } from "./functions/deliver-waiting-mail";
import { accessFollowOwnerEmailFunction } from "./functions/access-follow-owner-email";
import { vmFirewallFunction } from "./functions/vm-firewall";
import { networkReconcileFunction } from "./functions/network-reconcile";
import { reconcileDriftFunction } from "./functions/reconcile-drift";
import { reconcileApplyFunction } from "./functions/reconcile-apply";
import { vmHoldFunction } from "./functions/vm-hold";
import { paymentRiskFunction } from "./functions/payment-risk";

export const functions: InngestFunction.Any[] = [
  checkoutCompletedFunction,
  checkoutExpiredFunction,
  subscriptionSyncFunction,
  subscriptionMirrorFunction,
  vmPowerFunction,
  provisionVmFunction,
  cleanupProvisioningFunction,
  sweepStuckWorkFunction,
  resizeVmFunction,
  billingLadderFunction,
  billingSuspendVmFunction,
  billingRestoreVmFunction,
  billingDeleteVmFunction,
  billingReconcileFunction,
  billingClockReadyFunction,
  refundFailedOrderFunction,
  restoreVmFunction,
  billingReconcileSubscriptionFunction,
  cardUpdateSignalFunction,
  cardUpdateApplyFunction,
  vmOperationFunction,
  rebuildVmFunction,
  backupScheduleFunction,
  deliverWaitingMailFunction,
  accessFollowOwnerEmailFunction,
  vmFirewallFunction,
  networkReconcileFunction,
  reconcileDriftFunction,
  reconcileApplyFunction,
  vmHoldFunction,
  paymentRiskFunction,
];
