//! Workspace records end to end against `serve`: fixture functions use the
//! built-in `CoreApiClient` and `RestApiClient` for every record operation;
//! record changes trigger database-event functions (with `updatedFields`
//! filtering, and a depth limit for functions reacting to their own
//! writes); an application role without update permission is refused and
//! never sees an unreadable field; remote mode sends the same clients to
//! another gateway standing in for Twenty; bad input gets named errors.

use crate::harness::*;
use serde_json::{Value, json};
use std::time::Duration;

const KEY: &str = "records-test-key";

fn start(apps: &[&str], extra: &[(&str, &str)]) -> Server {
    let fixtures: Vec<String> = apps.iter().map(|name| path(&fixture(name)).to_owned()).collect();
    let args: Vec<&str> = fixtures.iter().map(String::as_str).collect();
    let mut envs = vec![("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_EVENT_RETRY_MS", "50")];
    envs.extend_from_slice(extra);
    Server::start(&args, &envs)
}

fn call(server: &Server, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let auth = format!("Bearer {KEY}");
    let text = body.map(Value::to_string).unwrap_or_default();
    let (status, _, reply) =
        http(server.port, method, path, &[("Authorization", &auth), ("Content-Type", "application/json")], text.as_bytes());
    (status, serde_json::from_str(&reply).unwrap_or(Value::String(reply)))
}

fn route(server: &Server, path: &str, body: &Value) -> Value {
    let (status, _, reply) = http(server.port, "POST", path, &[("Content-Type", "application/json")], body.to_string().as_bytes());
    assert_eq!(status, 200, "{reply}");
    serde_json::from_str(&reply).expect("json")
}

fn names(connection: &Value) -> Vec<String> {
    connection["edges"].as_array().expect("edges").iter().map(|edge| edge["node"]["name"].as_str().expect("name").to_owned()).collect()
}

#[test]
fn core_api_client_does_every_record_operation_in_twentys_shapes() {
    let server = start(&["records"], &[]);
    let result = route(&server, "/s/core-crud", &json!({ "tag": "acme" }));
    let created = result["created"]["createCompanies"].as_array().expect("created");
    assert_eq!(created.len(), 3);
    assert_eq!(created[1]["address"], json!({ "addressCity": "Lyon" }));
    let one = &result["one"]["createCompany"];
    assert_eq!(one["annualRevenue"], json!({ "amountMicros": 5000000, "currencyCode": "EUR" }));
    assert_eq!(one["createdBy"], json!({ "source": "APPLICATION", "name": "Records fixture" }));
    assert_eq!(one["deletedAt"], Value::Null);
    // Filter, order and cursor pages.
    let page1 = &result["page1"]["companies"];
    assert_eq!(names(page1), ["acme-D", "acme-C", "acme-B"]);
    assert_eq!(page1["totalCount"], 4);
    assert_eq!(page1["pageInfo"]["hasNextPage"], true);
    assert_eq!(page1["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(page1["pageInfo"]["endCursor"], page1["edges"][2]["cursor"]);
    assert_eq!(names(&result["page2"]["companies"]), ["acme-A"]);
    assert_eq!(result["page2"]["companies"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(names(&result["backwards"]["companies"]), ["acme-C", "acme-B"], "the two records before acme-A");
    assert_eq!(result["backwards"]["companies"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(names(&result["paris"]["companies"]), ["acme-A", "acme-C"]);
    assert_eq!(result["paris"]["companies"]["totalCount"], 2);
    // Update merges composite subfields; soft delete, restore, destroy.
    assert_eq!(
        result["updated"]["updateCompany"],
        json!({ "name": "acme-D2", "annualRevenue": { "amountMicros": 7000000, "currencyCode": "EUR" } })
    );
    assert!(result["deleted"]["deleteCompany"]["deletedAt"].as_str().is_some_and(|at| at.ends_with('Z')), "{result:#}");
    assert_eq!(result["afterDelete"]["companies"]["totalCount"], 3, "a soft-deleted record leaves the default view");
    assert_eq!(result["withDeleted"]["companies"]["totalCount"], 1, "a filter on deletedAt finds it");
    assert_eq!(result["restored"]["restoreCompany"]["deletedAt"], Value::Null);
    assert_eq!(result["destroyed"]["destroyCompany"]["id"], one["id"]);
    assert_eq!(result["gone"]["company"], Value::Null);
    // Composite fields and a many-to-one relation.
    assert_eq!(result["person"]["createPerson"]["emails"], json!({ "primaryEmail": "ada@example.com", "additionalEmails": null }));
    assert_eq!(result["person"]["createPerson"]["company"]["name"], "acme-A");
    assert_eq!(
        result["withPeople"]["company"],
        json!({ "name": "acme-A", "people": { "totalCount": 1, "edges": [{ "node": { "name": { "firstName": "Ada" } } }] }, "opportunities": { "totalCount": 0 } }),
        "the one-to-many side of person.company"
    );
    // A custom object declared with defineObject, with its select default.
    assert_eq!(
        result["invoice"]["createInvoice"],
        json!({ "number": "acme-1", "status": "DRAFT", "total": { "currencyCode": "USD" }, "company": { "name": "acme-B" } })
    );
    // The app's own relation, both sides: invoice.company and company.invoices.
    assert_eq!(result["invoicesOfB"]["company"]["invoices"], json!({ "totalCount": 1, "edges": [{ "node": { "number": "acme-1" } }] }));
    // Bad input is named.
    assert_eq!(result["badFilter"]["name"], "GenqlError");
    assert!(result["badFilter"]["message"].as_str().expect("message").contains("\"nope\""), "{result:#}");
    assert_eq!(result["badValue"]["code"], "BAD_USER_INPUT");
    assert!(result["badValue"]["message"].as_str().expect("message").contains("data.status: \"LOST\" is not an option"), "{result:#}");
    assert_eq!(result["badBatch"]["code"], "BAD_USER_INPUT", "{result:#}");
    assert_eq!(result["afterBadBatch"]["companies"]["totalCount"], 3, "a failed batch writes nothing");
    // The same records over the gateway's own GraphQL endpoint, with an API key.
    let (status, reply) = call(
        &server,
        "POST",
        "/graphql",
        Some(
            &json!({ "query": "{ companies(filter: {name: {eq: \"acme-B\"}}) { totalCount edges { node { name address { addressCity } } } } }" }),
        ),
    );
    assert_eq!(status, 200);
    assert_eq!(
        reply["data"]["companies"],
        json!({ "totalCount": 1, "edges": [{ "node": { "name": "acme-B", "address": { "addressCity": "Lyon" } } }] })
    );
}

#[test]
fn rest_api_client_does_every_record_operation_in_twentys_shapes() {
    let server = start(&["records"], &[]);
    let result = route(&server, "/s/rest-crud", &json!({ "tag": "rest" }));
    let created = &result["created"]["data"]["createCompany"];
    let id = created["id"].as_str().expect("id");
    assert_eq!(created["address"]["addressCity"], "Oslo");
    assert_eq!(created["address"]["addressStreet1"], "", "unset subfields get Twenty's empty values");
    assert_eq!(created["annualRevenue"], json!({ "amountMicros": null, "currencyCode": "" }));
    assert_eq!(result["batch"]["data"]["createCompanies"].as_array().map(Vec::len), Some(2));
    let list = &result["list"];
    let listed: Vec<&str> = list["data"]["companies"].as_array().expect("list").iter().map(|c| c["name"].as_str().expect("name")).collect();
    assert_eq!(listed, ["rest-R1", "rest-R2"]);
    assert_eq!(list["totalCount"], 3);
    assert_eq!(list["pageInfo"]["hasNextPage"], true);
    let next: Vec<&str> =
        result["next"]["data"]["companies"].as_array().expect("next").iter().map(|c| c["name"].as_str().expect("name")).collect();
    assert_eq!(next, ["rest-R3"]);
    assert_eq!(result["next"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(result["oslo"]["totalCount"], 1);
    assert_eq!(result["one"]["data"]["company"]["id"], id);
    assert_eq!(result["patched"]["data"]["updateCompany"]["name"], "rest-R1b");
    assert_eq!(result["softDeleted"], json!({ "data": { "deleteCompany": { "id": id } } }));
    assert_eq!(result["afterSoftDelete"]["totalCount"], 2);
    assert_eq!(result["restored"]["data"]["restoreCompany"]["deletedAt"], Value::Null);
    assert_eq!(result["destroyed"], json!({ "data": { "deleteCompany": { "id": id } } }));
    assert_eq!(result["notFound"]["status"], 404);
    assert_eq!(
        result["notFound"]["body"],
        json!({ "statusCode": 404, "error": "NotFoundException", "messages": [format!("Record not found: no company record has id {id}")] })
    );
    assert_eq!(result["badFilter"]["status"], 400);
    assert!(result["badFilter"]["body"]["messages"][0].as_str().expect("message").contains("no field \"nope\""), "{result:#}");
    assert!(result["badObject"]["body"]["messages"][0].as_str().expect("message").contains("Did you mean 'companies'?"), "{result:#}");
    assert!(result["badValue"]["body"]["messages"][0].as_str().expect("message").contains("body.emails.primaryEmail"), "{result:#}");
}

#[test]
fn record_changes_trigger_database_event_functions_with_updated_fields() {
    let server = start(&["records"], &[]);
    let (status, created) = call(&server, "POST", "/rest/companies", Some(&json!({ "name": "Initech" })));
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["createCompany"]["id"].as_str().expect("id").to_owned();
    let (status, _) = call(&server, "PATCH", &format!("/rest/companies/{id}"), Some(&json!({ "address": { "addressCity": "Austin" } })));
    assert_eq!(status, 200);
    let (status, _) = call(&server, "PATCH", &format!("/rest/companies/{id}"), Some(&json!({ "name": "Initrode" })));
    assert_eq!(status, 200);
    let (status, _) = call(&server, "DELETE", &format!("/rest/companies/{id}?soft_delete=true"), None);
    assert_eq!(status, 200);
    let (status, _) = call(&server, "PATCH", &format!("/rest/restore/companies/{id}"), None);
    assert_eq!(status, 200);
    let (status, _) = call(&server, "DELETE", &format!("/rest/companies/{id}"), None);
    assert_eq!(status, 200);
    // company.* sees every change, in Twenty's shapes per action.
    let all = wait_for_runs(&server, KEY, "function=on-company-event", |runs| runs.len() >= 6);
    let mut seen: Vec<(String, Value)> =
        all.iter().map(|run| (run["data"]["name"].as_str().expect("name").to_owned(), run["data"]["keys"].clone())).collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let update_shape = json!(["after", "before", "diff", "updatedFields"]);
    assert_eq!(
        seen,
        vec![
            ("company.created".to_owned(), json!(["after"])),
            ("company.deleted".to_owned(), update_shape.clone()),
            ("company.destroyed".to_owned(), json!(["before"])),
            ("company.restored".to_owned(), update_shape.clone()),
            ("company.updated".to_owned(), update_shape.clone()),
            ("company.updated".to_owned(), update_shape),
        ]
    );
    assert!(all.iter().all(|run| run["data"]["recordId"] == id.as_str()));
    // updatedFields: ['name'] lets only the rename through.
    wait_for_runs(&server, KEY, "function=on-company-renamed", |runs| !runs.is_empty());
    std::thread::sleep(Duration::from_millis(500));
    let renamed = runs(&server, KEY, "function=on-company-renamed");
    assert_eq!(renamed.len(), 1, "{renamed:#?}");
    let event = &renamed[0]["data"];
    assert_eq!(event["name"], "company.updated");
    assert_eq!(event["object"], "company");
    assert_eq!(event["properties"]["updatedFields"], json!(["name"]));
    assert_eq!(event["properties"]["diff"]["name"], json!({ "before": "Initech", "after": "Initrode" }));
    assert_eq!(event["properties"]["before"]["address"]["addressCity"], "Austin");
}

#[test]
fn a_function_reacting_to_its_own_writes_stops_at_the_depth_limit() {
    let server = start(&["records"], &[]);
    let (status, created) = call(&server, "POST", "/rest/tasks", Some(&json!({ "title": "seed" })));
    assert_eq!(status, 201, "{created}");
    // The seed's event is depth 1; each echo's write is one deeper; the
    // write made at depth 5 publishes nothing.
    let echoes = wait_for_runs(&server, KEY, "function=echo-task", |runs| runs.len() >= 5);
    std::thread::sleep(Duration::from_millis(1500));
    let echoes_later = runs(&server, KEY, "function=echo-task");
    assert_eq!(echoes_later.len(), 5, "the loop must stop at depth 5: {echoes_later:#?}");
    assert!(echoes.iter().all(|run| run["status"] == "SUCCESS"), "{echoes:#?}");
    let (status, tasks) = call(&server, "GET", "/rest/tasks?order_by=title", None);
    assert_eq!(status, 200);
    let titles: Vec<&str> = tasks["data"]["tasks"].as_array().expect("tasks").iter().map(|t| t["title"].as_str().expect("title")).collect();
    assert_eq!(titles, ["seed", "seed+", "seed++", "seed+++", "seed++++", "seed+++++"]);
}

#[test]
fn a_read_only_role_is_refused_and_never_sees_an_unreadable_field() {
    let server = start(&["records-readonly"], &[]);
    let (status, created) = call(
        &server,
        "POST",
        "/rest/companies",
        Some(&json!({ "name": "Hooli", "annualRevenue": { "amountMicros": 9, "currencyCode": "USD" } })),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["createCompany"]["id"].as_str().expect("id").to_owned();
    assert_eq!(created["data"]["createCompany"]["annualRevenue"]["amountMicros"], 9, "an API key sees every field");
    let result = route(&server, "/s/try-write", &json!({ "tag": "ro", "id": id }));
    for (key, operation) in [("graphqlCreate", "create or update"), ("graphqlUpdate", "create or update")] {
        assert_eq!(result[key]["error"]["code"], "FORBIDDEN", "{result:#}");
        assert_eq!(result[key]["error"]["message"], format!("the application role may not {operation} company records"));
    }
    assert_eq!(result["restCreate"]["error"]["status"], 403);
    assert_eq!(result["restCreate"]["error"]["body"]["error"], "ForbiddenException");
    assert_eq!(result["restDelete"]["error"]["body"]["messages"][0], "the application role may not destroy company records");
    // Nothing was written.
    let (_, list) = call(&server, "GET", "/rest/companies", None);
    assert_eq!(list["totalCount"], 1, "{list:#}");
    assert_eq!(list["data"]["companies"][0]["name"], "Hooli");
    // The unreadable field appears in no response, whichever way it is read.
    for key in ["restList", "restOne", "graphqlScalars"] {
        let text = result[key]["ok"].to_string();
        assert!(text.contains(&id), "{key}: {text}");
        assert!(!text.contains("annualRevenue") && !text.contains("\"amountMicros\""), "{key} leaks the field: {text}");
    }
    // Nor can it be learnt by filtering or ordering on it.
    assert_eq!(result["restFilterHidden"]["error"]["status"], 403, "{result:#}");
    assert!(
        result["restFilterHidden"]["error"]["body"]["messages"][0].as_str().expect("message").contains("may not filter or order by it")
    );
    assert_eq!(result["graphqlOrderHidden"]["error"]["code"], "FORBIDDEN", "{result:#}");
    assert_eq!(result["graphqlRevenue"]["error"]["code"], "FORBIDDEN");
    assert!(result["graphqlRevenue"]["error"]["message"].as_str().expect("message").contains("field annualRevenue"));
    assert!(!result["graphqlRevenue"].to_string().contains("\"amountMicros\":9"));
    // Its record events leave the field out too.
    let events = wait_for_runs(&server, KEY, "function=on-company", |runs| !runs.is_empty());
    let fields = events[0]["data"]["fields"].as_array().expect("fields");
    assert!(fields.contains(&json!("name")), "{events:#?}");
    assert!(!fields.contains(&json!("annualRevenue")), "the event leaks the field: {events:#?}");
}

#[test]
fn remote_mode_uses_another_gateway_as_its_twenty() {
    // The "Twenty": a gateway serving the embedded workspace, with an API key.
    let twenty = start(&["records"], &[]);
    let twenty_url = format!("http://127.0.0.1:{}", twenty.port);
    // The gateway under test, configured as a user configures a real Twenty.
    let remote = start(&["records"], &[("SWITCHBOARD_TWENTY_URL", &twenty_url), ("SWITCHBOARD_TWENTY_API_KEY", KEY)]);
    let result = route(&remote, "/s/core-crud", &json!({ "tag": "far" }));
    assert_eq!(names(&result["paris"]["companies"]), ["far-A", "far-C"], "{result:#}");
    let result = route(&remote, "/s/rest-crud", &json!({ "tag": "far" }));
    assert_eq!(result["list"]["totalCount"], 3, "{result:#}");
    // The records live in the "Twenty", written as its API key's holder.
    let (status, found) = call(&twenty, "GET", "/rest/companies?filter=name%5BstartsWith%5D:%22far-%22&order_by=name", None);
    assert_eq!(status, 200);
    let stored: Vec<&str> =
        found["data"]["companies"].as_array().expect("companies").iter().map(|c| c["name"].as_str().expect("name")).collect();
    assert_eq!(stored, ["far-A", "far-B", "far-C", "far-R2", "far-R3"]);
    assert_eq!(found["data"]["companies"][0]["createdBy"]["source"], "API");
    // The remote gateway keeps no workspace of its own.
    let (status, _) = call(&remote, "GET", "/rest/companies", None);
    assert_eq!(status, 404);
}

#[test]
fn bad_requests_are_refused_with_the_names_involved() {
    let server = start(&["records"], &[]);
    let unauthenticated = http(server.port, "GET", "/rest/companies", &[], b"");
    assert_eq!(unauthenticated.0, 401, "{}", unauthenticated.2);
    let forged = http(server.port, "GET", "/rest/companies", &[("Authorization", "Bearer sbw1.e30.AAAA")], b"");
    assert_eq!(forged.0, 401);
    let graphql =
        http(server.port, "POST", "/graphql", &[("Content-Type", "application/json")], br#"{"query":"{ companies { totalCount } }"}"#);
    assert_eq!(graphql.0, 401);
    assert!(graphql.2.contains("UNAUTHENTICATED"), "{}", graphql.2);
    let cases: Vec<(&str, &str, Option<Value>, u16, &str)> = vec![
        ("GET", "/rest/nothings", None, 400, "object 'nothings' not found"),
        ("GET", "/rest/companies/not-a-uuid", None, 400, "'not-a-uuid' is not a valid UUID"),
        ("GET", "/rest/companies?limit=-3", None, 400, "limit '-3' is invalid"),
        ("GET", "/rest/companies?depth=3", None, 400, "'depth=3' parameter invalid"),
        ("GET", "/rest/companies?order_by=name%5BUp%5D", None, 400, "'order_by' direction \"Up\" invalid"),
        ("GET", "/rest/companies?filter=and(name%5Beq%5D:1", None, 400, "bracket"),
        ("GET", "/rest/companies?filter=address.addressTown%5Beq%5D:x", None, 400, "address has no subfield \"addressTown\""),
        ("GET", "/rest/people?filter=createdAt%5Bgt%5D:yesterday", None, 400, "is not an ISO 8601 date-time"),
        ("POST", "/rest/companies", Some(json!({ "name": 5 })), 400, "body.name: expected a string"),
        ("POST", "/rest/companies", Some(json!({ "id": "x" })), 400, "body.id: expected a UUID"),
        ("POST", "/rest/companies", Some(json!({ "createdAt": "2026-01-01T00:00:00Z" })), 400, "createdAt is set by the workspace"),
        ("POST", "/rest/people", Some(json!({ "company": { "name": "x" } })), 400, "set the relation through companyId"),
        ("POST", "/rest/batch/companies", Some(json!({ "name": "x" })), 400, "a batch body must be a JSON array"),
        ("PATCH", "/rest/companies/7e000000-0000-4000-8000-000000000999", Some(json!({ "name": "x" })), 404, "Record not found"),
        ("DELETE", "/rest/companies", None, 400, "deleting many records needs ?filter="),
        ("DELETE", "/rest/companies?filter=and()", None, 400, "an empty filter would change every company record"),
        ("GET", "/rest/companies?starting_after=eyJwb3NpdGlvbiI6LTF9", None, 400, "after: invalid cursor"),
    ];
    for (method, path, body, status, message) in cases {
        let (got, reply) = call(&server, method, path, body.as_ref());
        assert_eq!(got, status, "{method} {path}: {reply}");
        let text = reply["messages"][0].as_str().unwrap_or_default();
        assert!(text.contains(message), "{method} {path}: {text:?} should say {message:?}");
        assert_eq!(reply["statusCode"], status);
    }
    // A record over the size limit, and a batch whose second record clashes:
    // neither writes anything.
    let big = "x".repeat(1024 * 1024 + 10);
    let (status, reply) = call(&server, "POST", "/rest/companies", Some(&json!({ "name": big })));
    assert_eq!(status, 400, "{reply}");
    assert!(reply["messages"][0].as_str().expect("message").contains("over the limit"), "{reply}");
    let twice = "7e000000-0000-4000-8000-000000000abc";
    let (status, reply) =
        call(&server, "POST", "/rest/batch/companies", Some(&json!([{ "id": twice, "name": "one" }, { "id": twice, "name": "two" }])));
    assert_eq!(status, 400, "{reply}");
    let (_, list) = call(&server, "GET", "/rest/companies", None);
    assert_eq!(list["totalCount"], 0, "{list}");
    // A write that failed queued no events either.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(runs(&server, KEY, "function=on-company-event"), Vec::<Value>::new());
    let (status, reply) = call(&server, "POST", "/graphql", Some(&json!({ "query": "{ companies(first: -1) { totalCount } }" })));
    assert_eq!(status, 200);
    assert_eq!(reply["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{reply}");
}

#[test]
fn check_names_the_file_of_an_object_the_record_apis_cannot_serve() {
    let object = "import { defineObject, FieldType } from 'twenty-sdk/define';\nexport default defineObject({ universalIdentifier: '44444444-4444-4444-8444-4444444444a0', nameSingular: 'address', namePlural: 'addresses', labelSingular: 'Address', labelPlural: 'Addresses', labelIdentifierFieldMetadataUniversalIdentifier: '44444444-4444-4444-8444-4444444444a1', fields: [{ universalIdentifier: '44444444-4444-4444-8444-4444444444a1', type: FieldType.TEXT, name: 'street', label: 'Street' }] });\n";
    let dir = app(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/objects/address.ts", object)]);
    let run = switchboard(&["check", path(dir.path())]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("src/objects/address.ts"), "{}", run.stderr);
    assert!(run.stderr.contains("nameSingular") && run.stderr.contains("GraphQL type Address"), "{}", run.stderr);
}

#[test]
fn the_whole_standard_model_is_there_for_check_rest_and_core_api_client() {
    let role = "import { defineApplicationRole } from 'twenty-sdk/define';\nexport default defineApplicationRole({ universalIdentifier: '44444444-4444-4444-8444-444444444442', label: 'Role', canReadAllObjectRecords: true, canUpdateAllObjectRecords: true });\n";
    let field = "import { defineField, FieldType } from 'twenty-sdk/define';\n\
        export default defineField({ universalIdentifier: '44444444-4444-4444-8444-444444444461', \
        objectUniversalIdentifier: '20202020-8f1d-4eef-9f85-0d1965e27221', type: FieldType.TEXT, name: 'meetingNotes', label: 'Meeting notes' });\n";
    let timeline = function(
        "universalIdentifier: '44444444-4444-4444-8444-444444444462', name: 'timeline'",
        "async ({ personId }) => { const { CoreApiClient } = await import('twenty-client-sdk/core'); const client = new CoreApiClient(); \
         await client.mutation({ createTimelineActivity: { __args: { data: { targetPersonId: personId, properties: { via: 'test' } } }, id: true } }); \
         const found = await client.query({ timelineActivities: { __args: { filter: { targetPersonId: { eq: personId } } }, edges: { node: { targetPersonId: true, properties: true, happensAt: true } } } }); \
         const events = await client.query({ calendarEvents: { edges: { node: { title: true, meetingNotes: true, isCanceled: true } } } }); \
         return { found: found.timelineActivities.edges.map((e) => ({ ...e.node, happensAt: typeof e.node.happensAt })), events: events.calendarEvents.edges.map((e) => e.node) }; }",
    );
    let app = app(&[("src/app.ts", APPLICATION), ("src/role.ts", role), ("src/field.ts", field), ("src/timeline.ts", &timeline)]);
    let check = switchboard(&["check", path(app.path())]);
    assert_eq!(check.code, 0, "a field declared on calendarEvent is accepted: {check:?}");

    let data = tempfile::tempdir().expect("data");
    let server = Server::start(&[path(app.path())], &[("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_DATA_DIR", path(data.path()))]);
    let (status, event) = call(&server, "POST", "/rest/calendarEvents", Some(&json!({ "title": "Kick-off", "meetingNotes": "agenda" })));
    assert_eq!(status, 201, "{event}");
    let (status, person) = call(&server, "POST", "/rest/people", Some(&json!({ "jobTitle": "CTO" })));
    assert_eq!(status, 201, "{person}");
    let person_id = person["data"]["createPerson"]["id"].as_str().expect("person id").to_owned();
    drop(server);
    let payload = json!({ "personId": person_id }).to_string();
    let run = switchboard_with(
        &["run", path(app.path()), "timeline", "--payload", &payload],
        &[("SWITCHBOARD_DATA_DIR", path(data.path()))],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["data"],
        json!({
            "found": [{ "targetPersonId": person_id, "properties": { "via": "test" }, "happensAt": "string" }],
            "events": [{ "title": "Kick-off", "meetingNotes": "agenda", "isCanceled": false }],
        })
    );
}
