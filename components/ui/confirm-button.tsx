"use client";
// Ask first: a button that opens a modal dialog saying what will happen, and only the dialog's own
// submit button sends the enclosing form (with `name`/`value`, as the button itself would). The
// native <dialog> traps focus while open, closes on Escape and gives focus back to the button;
// nothing is sent unless the customer confirms.
import { useId, useRef } from "react";
import { buttonStyles } from "@/components/ui/button-styles";

export type Confirmation = {
  title: string;
  /** What happens, in plain words (with the date where money is concerned). */
  body: React.ReactNode;
  confirmLabel: string;
  tone?: "danger" | "default";
};

type Props = Confirmation & {
  label: React.ReactNode;
  className: string;
  disabled?: boolean;
  name?: string;
  value?: string;
  "aria-label"?: string;
  "data-testid"?: string;
};

export function ConfirmButton({ label, className, disabled, name, value, title, body, confirmLabel, tone = "default", ...rest }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  return (
    <>
      <button
        type="button"
        className={className}
        disabled={disabled}
        aria-haspopup="dialog"
        aria-label={rest["aria-label"]}
        data-testid={rest["data-testid"]}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-body`}
        data-testid="confirm-dialog"
        className="m-auto w-[calc(100%-2rem)] max-w-md rounded-card border border-line bg-surface p-card text-ink shadow-card backdrop:bg-black/40"
      >
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          {title}
        </h2>
        <div id={`${id}-body`} className="mt-2 space-y-2 text-sm text-ink-muted">
          {body}
        </div>
        <div className="mt-6 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <button type="button" className={buttonStyles.secondary} autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="submit"
            name={name}
            value={value}
            className={tone === "danger" ? buttonStyles.danger : buttonStyles.primary}
            onClick={() => dialog.current?.close()}
          >
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
