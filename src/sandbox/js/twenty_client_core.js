// Built-in `twenty-client-sdk/core`: `CoreApiClient` for the workspace's
// records API (`${TWENTY_API_URL}/graphql`), taking genql selection objects
// as Twenty's generated client does. The shared work lives in the genql module.

import { TwentyGraphqlClient } from "switchboard:twenty-client-sdk/genql";

export class CoreApiClient extends TwentyGraphqlClient {
  constructor(options) {
    super(options, { label: "CoreApiClient", path: "/graphql" });
  }
}

// Twenty's package exports the generated schema types and enums here; at run
// time nothing in it is needed to build requests.
export const CoreSchema = {};

