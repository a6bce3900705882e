import "server-only";
import { cache } from "react";
import { serviceContext } from "@/lib/server/services";
import { readRuntimeSettings } from "@/lib/services/settings";

/**
 * The runtime settings document, read at most once per server render: the admin layout's banner and the
 * Settings page both need it, and each would otherwise pay its own read on every page view.
 */
export const runtimeSettingsForRender = cache(() => readRuntimeSettings(serviceContext().db));
