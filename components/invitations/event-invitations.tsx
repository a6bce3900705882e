"use client";
import { useState } from "react";
import { InvitePanel } from "./invite-panel";
import { InvitationsTable } from "./invitations-table";
import type { RememberedColumns } from "@/lib/domain/invitations/columns";
import type { BulkAction, CheckSuppressedAction, InvitationPage, InviteAction, ListInvitationsAction, RememberColumnsAction } from "./types";

interface Props {
  eventId: string;
  /** False while the event is being deleted: nobody new can be invited. */
  canInvite: boolean;
  initialPage: InvitationPage;
  invite: InviteAction;
  rememberedColumns: RememberedColumns | null;
  saveColumns: RememberColumnsAction;
  checkSuppressed: CheckSuppressedAction;
  list: ListInvitationsAction;
  resend: BulkAction;
  remind: BulkAction;
  revoke: BulkAction;
}

/** The invite panel and the table share one reload signal, so new guests show up without a page reload. */
export function EventInvitations({ eventId, canInvite, initialPage, invite, rememberedColumns, saveColumns, checkSuppressed, list, resend, remind, revoke }: Props) {
  const [reloadKey, setReloadKey] = useState(0);
  return (
    <div className="stack">
      {canInvite ? (
        <InvitePanel
          eventId={eventId}
          invite={invite}
          rememberedColumns={rememberedColumns}
          saveColumns={saveColumns}
          checkSuppressed={checkSuppressed}
          onInvited={() => setReloadKey((k) => k + 1)}
        />
      ) : null}
      <InvitationsTable eventId={eventId} initial={initialPage} list={list} resend={resend} remind={remind} revoke={revoke} reloadKey={reloadKey} />
    </div>
  );
}
