//! Every validation rule, each reported with its file and field, all at once.

use crate::harness::*;

fn check(files: &[(&str, &str)]) -> Run {
    let dir = app(files);
    let run = switchboard(&["check", path(dir.path())]);
    drop(dir);
    run
}

fn assert_problem(run: &Run, needle: &str) {
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(needle), "expected {needle:?} in:\n{}", run.stderr);
}

#[test]
fn missing_application() {
    let run = check(&[("src/role.ts", ROLE)]);
    assert_problem(&run, "Cannot build application, please export default defineApplication() to define an application");
}

#[test]
fn malformed_typescript_names_the_file() {
    let run =
        check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/bad.ts", "export default defineLogicFunction({ name: ,});")]);
    assert_problem(&run, "src/bad.ts: syntax error");
}

#[test]
fn throwing_module_top_level_names_the_file_and_error() {
    let broken = format!(
        "{}\nthrow new RangeError('boom at load');\n",
        function("universalIdentifier: '55555555-5555-4555-8555-555555555555', name: 'x'", "() => 1")
    );
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/throws.ts", &broken)]);
    assert_problem(&run, "src/throws.ts: cannot evaluate the file: RangeError: boom at load");
}

#[test]
fn handler_that_is_not_a_function() {
    let file = function("universalIdentifier: '55555555-5555-4555-8555-555555555555', name: 'x'", "'not a function'");
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/fn.ts", &file)]);
    assert_problem(&run, "src/fn.ts: Logic function handler must be a function");
}

#[test]
fn default_export_that_is_not_a_define_result() {
    let file = "const defineSkill = (_: unknown) => 42;\nexport default defineSkill({});\n";
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/fake.ts", file)]);
    assert_problem(&run, "src/fake.ts: the default export is not the result of defineSkill() (found a value of type number)");
}

#[test]
fn duplicate_universal_identifiers_name_both_files() {
    let a = function("universalIdentifier: '55555555-5555-4555-8555-555555555555', name: 'a'", "() => 1");
    let b = function("universalIdentifier: '55555555-5555-4555-8555-555555555555', name: 'b'", "() => 2");
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/a.ts", &a), ("src/b.ts", &b)]);
    assert_problem(
        &run,
        "src/b.ts: universalIdentifier: Duplicate universal identifier \"55555555-5555-4555-8555-555555555555\" (already used in src/a.ts (universalIdentifier))",
    );
}

#[test]
fn identifiers_must_be_uuid_v4_or_later() {
    let v1 = function("universalIdentifier: 'd9428888-122b-11e1-b85c-61cd3cbb3210', name: 'old'", "() => 1");
    let junk = function("universalIdentifier: 'not-a-uuid', name: 'junk'", "() => 1");
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/v1.ts", &v1), ("src/junk.ts", &junk)]);
    assert_problem(
        &run,
        "src/v1.ts: universalIdentifier: Universal identifier \"d9428888-122b-11e1-b85c-61cd3cbb3210\" is UUID version 1. Only UUID version 4 or higher is allowed.",
    );
    assert_problem(&run, "src/junk.ts: universalIdentifier: Universal identifier \"not-a-uuid\" is not a valid UUID.");
}

#[test]
fn nested_identifiers_are_checked_too() {
    let app = "import { defineApplication } from 'twenty-sdk/define';\nexport default defineApplication({ universalIdentifier: '44444444-4444-4444-8444-444444444441', displayName: 'Temp', applicationVariables: { A: { universalIdentifier: 'nope' } } });\n";
    let run = check(&[("src/app.ts", app), ("src/role.ts", ROLE)]);
    assert_problem(&run, "src/app.ts: applicationVariables.A.universalIdentifier: Universal identifier \"nope\" is not a valid UUID.");
}

#[test]
fn variables_named_like_injected_ones_are_refused() {
    let app = "import { defineApplication } from 'twenty-sdk/define';\nexport default defineApplication({ universalIdentifier: '44444444-4444-4444-8444-444444444441', displayName: 'Temp', \
               applicationVariables: { TWENTY_API_KEY: { universalIdentifier: '44444444-4444-4444-8444-444444444450' }, twenty_api_url: { universalIdentifier: '44444444-4444-4444-8444-444444444451' } }, \
               serverVariables: { APPLICATION_ID: {} } });\n";
    let run = check(&[("src/app.ts", app), ("src/role.ts", ROLE)]);
    assert_problem(&run, "src/app.ts: applicationVariables.TWENTY_API_KEY: TWENTY_API_KEY is set by the runtime for every run");
    assert_problem(&run, "src/app.ts: serverVariables.APPLICATION_ID: APPLICATION_ID is set by the runtime");
    assert!(!run.stderr.contains("twenty_api_url:"), "names are reserved exactly, as Twenty matches them: {}", run.stderr);
}

#[test]
fn a_tsconfig_style_import_gets_advice_that_points_the_right_way() {
    let app = "import { defineApplication } from 'twenty-sdk/define';\nimport { NAME } from 'src/constants';\nexport default defineApplication({ universalIdentifier: '44444444-4444-4444-8444-444444444441', displayName: NAME });\n";
    let run = check(&[("src/application-config.ts", app), ("src/constants.ts", "export const NAME = 'Temp';\n"), ("src/role.ts", ROLE)]);
    assert_problem(&run, "cannot find package 'src'");
    assert_problem(&run, "no tsconfig.json `paths` entry maps 'src/constants'");
    assert_problem(&run, "'src' is a folder of the app: map it in tsconfig.json");
    assert_problem(&run, "or fix the files above that failed to load");
}

#[test]
fn a_tsconfig_paths_import_loads() {
    let app = "import { defineApplication } from 'twenty-sdk/define';\nimport { NAME } from 'src/constants';\nexport default defineApplication({ universalIdentifier: '44444444-4444-4444-8444-444444444441', displayName: NAME });\n";
    let tsconfig = "{\n  // as create-twenty-app writes it\n  \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"src/*\": [\"./src/*\"] } },\n}\n";
    let run = check(&[
        ("tsconfig.json", tsconfig),
        ("src/application-config.ts", app),
        ("src/constants.ts", "export const NAME = 'Temp';\n"),
        ("src/role.ts", ROLE),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn timeout_outside_range() {
    let low = function("universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'low', timeoutSeconds: 0", "() => 1");
    let high = function("universalIdentifier: '55555555-5555-4555-8555-555555555552', name: 'high', timeoutSeconds: 901", "() => 1");
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/low.ts", &low), ("src/high.ts", &high)]);
    assert_problem(&run, "src/low.ts: timeoutSeconds: must be a number from 1 to 900 (found 0)");
    assert_problem(&run, "src/high.ts: timeoutSeconds: must be a number from 1 to 900 (found 901)");
}

#[test]
fn route_without_path_or_method() {
    let no_path = function(
        "universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'np', httpRouteTriggerSettings: { httpMethod: 'GET', isAuthRequired: false }",
        "() => 1",
    );
    let no_method = function(
        "universalIdentifier: '55555555-5555-4555-8555-555555555552', name: 'nm', httpRouteTriggerSettings: { path: '/x', isAuthRequired: false }",
        "() => 1",
    );
    let bad_method = function(
        "universalIdentifier: '55555555-5555-4555-8555-555555555553', name: 'bm', httpRouteTriggerSettings: { path: '/y', httpMethod: 'FETCH', isAuthRequired: false }",
        "() => 1",
    );
    let run = check(&[
        ("src/app.ts", APPLICATION),
        ("src/role.ts", ROLE),
        ("src/np.ts", &no_path),
        ("src/nm.ts", &no_method),
        ("src/bm.ts", &bad_method),
    ]);
    assert_problem(&run, "src/np.ts: Route trigger must have a path");
    assert_problem(&run, "src/nm.ts: Route trigger must have an httpMethod");
    assert_problem(&run, "src/bm.ts: httpRouteTriggerSettings.httpMethod: \"FETCH\" is not one of GET, POST, PUT, PATCH, DELETE");
}

#[test]
fn invalid_cron_pattern() {
    let file = function(
        "universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'c', cronTriggerSettings: { pattern: '61 * * * *' }",
        "() => 1",
    );
    let fields = function(
        "universalIdentifier: '55555555-5555-4555-8555-555555555552', name: 'd', cronTriggerSettings: { pattern: '* * *' }",
        "() => 1",
    );
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/c.ts", &file), ("src/d.ts", &fields)]);
    assert_problem(&run, "src/c.ts: cronTriggerSettings.pattern: \"61 * * * *\" is not a valid cron pattern");
    assert_problem(&run, "src/d.ts: cronTriggerSettings.pattern: \"* * *\" is not a valid cron pattern: expected 5 fields");
}

#[test]
fn database_event_without_event_name() {
    let file = function(
        "universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'e', databaseEventTriggerSettings: { updatedFields: ['name'] }",
        "() => 1",
    );
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/e.ts", &file)]);
    assert_problem(&run, "src/e.ts: Database event trigger must have an eventName");
}

#[test]
fn two_functions_with_the_same_name() {
    let a = function("universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'same'", "() => 1");
    let b = function("universalIdentifier: '55555555-5555-4555-8555-555555555552', name: 'same'", "() => 2");
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/a.ts", &a), ("src/b.ts", &b)]);
    assert_problem(&run, "src/b.ts: name: two logic functions are named \"same\" (the other is in src/a.ts)");
}

#[test]
fn wrong_field_types_name_the_field() {
    let file =
        function("universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'w', cronTriggerSettings: { pattern: 5 }", "() => 1");
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/w.ts", &file)]);
    assert_problem(&run, "src/w.ts: cronTriggerSettings.pattern: invalid type: integer `5`, expected a string");
}

#[test]
fn every_problem_is_reported_at_once() {
    let no_handler = "import { defineLogicFunction } from 'twenty-sdk/define';\nexport default defineLogicFunction({ universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'n', timeoutSeconds: 1000 } as any);\n";
    let cron = function(
        "universalIdentifier: '55555555-5555-4555-8555-555555555552', name: 'n', cronTriggerSettings: { pattern: 'nope' }",
        "() => 1",
    );
    let run = check(&[
        ("src/role.ts", ROLE),
        ("src/a.ts", no_handler),
        ("src/b.ts", &cron),
        ("src/broken.ts", "export default defineSkill({ ,});"),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    for needle in [
        "src/a.ts: Logic function must have a handler",
        "src/a.ts: Logic function handler must be a function",
        "src/b.ts: cronTriggerSettings.pattern",
        "src/broken.ts: syntax error",
        "Cannot build application",
    ] {
        assert!(run.stderr.contains(needle), "missing {needle:?} in:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("problem(s)"), "{}", run.stderr);
}

#[test]
fn not_a_folder() {
    let run = switchboard(&["check", "/definitely/not/here"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("/definitely/not/here"), "{}", run.stderr);
}

#[test]
fn page_layouts_tabs_and_widgets_are_checked_as_the_sdk_checks_them() {
    let layout = "import { definePageLayout } from 'twenty-sdk/define';\nexport default definePageLayout({ universalIdentifier: '44444444-4444-4444-8444-444444444460', name: 'Layout', \
                  tabs: [{ universalIdentifier: '44444444-4444-4444-8444-444444444461', title: 'Tab', widgets: [{ universalIdentifier: '44444444-4444-4444-8444-444444444462', title: 'W', type: 'FRONT_COMPONENT', \
                  configuration: { configurationType: 'FRONT_COMPONENT', headerCommandMenuItemUniversalIdentifiers: ['nope', 'nope'] } }] }] });\n";
    let widget = "import { definePageLayoutWidget } from 'twenty-sdk/define';\nexport default definePageLayoutWidget({ universalIdentifier: '44444444-4444-4444-8444-444444444463', title: 'Alone', type: 'FIELDS' });\n";
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/layout.ts", layout), ("src/widget.ts", widget)]);
    assert_problem(&run, "src/layout.ts: PageLayout must have a type");
    assert_problem(&run, "src/layout.ts: PageLayoutWidget header command menu item universalIdentifier \"nope\" must be a UUID");
    assert_problem(&run, "src/layout.ts: PageLayoutWidget header command menu item universalIdentifiers must be unique");
    assert_problem(&run, "src/widget.ts: PageLayoutWidget must have a pageLayoutTabUniversalIdentifier when defined standalone");
    assert_problem(&run, "src/widget.ts: PageLayoutWidget must have a position when defined standalone");
}

#[test]
fn deprecated_page_layout_shapes_are_warned_about_as_twenty_does() {
    let layout = "import { definePageLayout } from 'twenty-sdk/define';\nexport default definePageLayout({ universalIdentifier: '44444444-4444-4444-8444-444444444470', name: 'Layout', type: 'RECORD_PAGE', \
                  tabs: [{ universalIdentifier: '44444444-4444-4444-8444-444444444471', title: 'Old tab', layoutMode: 'CANVAS', widgets: [\
                  { universalIdentifier: '44444444-4444-4444-8444-444444444472', title: 'Listed', type: 'FIELDS', position: { layoutMode: 'VERTICAL_LIST', index: 0 } },\
                  { universalIdentifier: '44444444-4444-4444-8444-444444444473', title: 'Gridded', type: 'FIELDS', gridPosition: { row: 0, column: 0, rowSpan: 1, columnSpan: 1 } }] }] });\n";
    let run = check(&[("src/app.ts", APPLICATION), ("src/role.ts", ROLE), ("src/layout.ts", layout)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("Page layout tab \"Old tab\" uses deprecated CANVAS."), "{}", run.stderr);
    assert!(run.stderr.contains("Page layout widget \"Listed\" uses a deprecated vertical-list position."), "{}", run.stderr);
    assert!(run.stderr.contains("Page layout widget \"Gridded\" uses deprecated gridPosition."), "{}", run.stderr);
}
