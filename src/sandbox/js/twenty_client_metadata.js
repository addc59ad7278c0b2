// Built-in `twenty-client-sdk/metadata`: `MetadataApiClient` for the
// workspace metadata API (`${TWENTY_API_URL}/metadata`); the same client as
// `CoreApiClient`, pointed at another endpoint.

import { TwentyGraphqlClient } from "switchboard:twenty-client-sdk/genql";

export class MetadataApiClient extends TwentyGraphqlClient {
  constructor(options) {
    super(options, { label: "MetadataApiClient", path: "/metadata" });
  }
}

// Twenty's package exports the generated metadata schema's enums here; this
// placeholder keeps `import { MetadataSchema }` working.
export const MetadataSchema = {};

