//! `load`: every registered connector's definition loads; hostile definitions are refused with
//! the file, line and key path.

use connector_definition::{load, print, Definition};

fn text_of(id: &str) -> String {
    let connector = connector_registry::all()
        .iter()
        .find(|c| c.spec().id == id)
        .unwrap_or_else(|| panic!("{id} is registered"));
    print(&Definition::from(connector.spec()))
}

#[test]
fn every_connector_loads() {
    let connectors = connector_registry::all();
    assert!(connectors.len() >= 38, "{} registered", connectors.len());
    for connector in connectors {
        let spec = connector.spec();
        let definition = Definition::from(spec);
        let text = print(&definition);
        let name = format!("{}.toml", spec.id);
        match load(&name, &text) {
            Ok(loaded) => assert_eq!(loaded, definition, "{}", spec.id),
            Err(errors) => panic!(
                "{}:\n{}",
                spec.id,
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }
}

/// The 1-based line of the first line of `text` that contains `marker`.
fn line_with(text: &str, marker: &str) -> usize {
    text.lines()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no line holds {marker}"))
        + 1
}

/// `text` is refused with an error at `line` on `path` whose message holds `message`.
fn assert_refused(text: &str, line: usize, path: &str, message: &str) {
    assert_refused_in("workable", text, line, path, message);
}

fn assert_refused_in(id: &str, text: &str, line: usize, path: &str, message: &str) {
    let errors = match load(&format!("{id}.toml"), text) {
        Ok(_) => panic!("{path}: loaded"),
        Err(errors) => errors,
    };
    let strings: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let prefix = format!("{id}.toml:{line}: {path} ");
    assert!(
        strings
            .iter()
            .any(|s| s.starts_with(&prefix) && s.contains(message)),
        "expected `{prefix}…{message}…`, got:\n{}",
        strings.join("\n")
    );
}

#[test]
fn hostile_definitions_are_refused_with_file_line_and_key() {
    let text = text_of("workable");
    let base = "url = \"https://{subdomain}.workable.com/spi/v3\"";
    let base_line = line_with(&text, base);

    // A placeholder that is (or ends) the host could send the key to any domain.
    for host in [
        "https://{subdomain}/spi/v3",
        "https://api.{subdomain}/spi/v3",
        "https://{subdomain}.com/spi/v3",
        "https://x{subdomain}.workable.com/spi/v3",
    ] {
        let hostile = text.replacen(base, &format!("url = \"{host}\""), 1);
        assert_refused(&hostile, base_line, "base_url.url", "host");
    }
    let hostile = text.replacen(
        base,
        "url = \"https://{subdomain}.workable.com.evil.example/v3\"",
        1,
    );
    assert!(
        load("workable.toml", &hostile).is_ok(),
        "a fixed registered domain after the placeholder is fine"
    );

    // Plain http only to a loopback host.
    let plain = text.replacen(base, "url = \"http://{subdomain}.workable.com/spi/v3\"", 1);
    assert_refused(&plain, base_line, "base_url.url", "not loopback");
    for local in [
        "http://127.0.0.1:8080/spi/v3",
        "http://localhost/spi/v3",
        "http://[::1]:9000/spi/v3",
    ] {
        let local = text.replacen(base, &format!("url = \"{local}\""), 1);
        if let Err(e) = load("workable.toml", &local) {
            panic!("{}", e[0]);
        }
    }
    let userinfo = text.replacen(
        base,
        "url = \"https://evil.example@{subdomain}.workable.com/v3\"",
        1,
    );
    assert_refused(&userinfo, base_line, "base_url.url", "");

    // The auth names a field the variant does not declare.
    let auth = "auth = { kind = \"bearer\", field = \"api_key\" }";
    let unknown = text.replacen(auth, "auth = { kind = \"bearer\", field = \"apikey\" }", 1);
    assert_refused(
        &unknown,
        line_with(&text, auth),
        "variants[0].auth.field",
        "\"apikey\" is not a field; fields are subdomain, api_key",
    );

    // The field the auth sends is secret and required.
    let key = "secret = true\nexample = \"EXAMPLE0000workable";
    let shown = text.replacen(key, "secret = false\nexample = \"EXAMPLE0000workable", 1);
    assert_refused(
        &shown,
        line_with(&text, auth),
        "variants[0].auth.field",
        "\"api_key\" carries the credential but is not `secret = true`",
    );

    // A secret field in a path (it would be logged and sent in the clear of the URL).
    let path = "path = \"/accounts/{subdomain}\"";
    let secret = text.replacen(path, "path = \"/accounts/{api_key}\"", 1);
    assert_refused(
        &secret,
        line_with(&text, path),
        "variants[0].verify.path",
        "names a secret field",
    );
    let secret_host = text.replacen(base, "url = \"https://{api_key}.workable.com/spi/v3\"", 1);
    assert_refused(
        &secret_host,
        base_line,
        "base_url.url",
        "names a secret field",
    );

    // Headers that say where a request goes, or are not header names, are refused wherever a
    // header is declared; and a path is a path, never a URL of its own.
    let verify = "[variants.verify]\nmethod = \"GET\"\n";
    assert!(text.contains(verify), "{text}");
    for (header, problem) in [
        ("Host", "set by the client itself"),
        ("X-Forwarded-Host", "set by the client itself"),
        ("Proxy-Authorization", "set by the client itself"),
        ("Bad Header", "not an HTTP header name"),
    ] {
        let hostile = text.replacen(
            verify,
            &format!("{verify}headers = [{{ name = \"{header}\", value = \"evil.example\" }}]\n"),
            1,
        );
        let errors = load("workable.toml", &hostile).expect_err("refused");
        assert!(
            errors
                .iter()
                .any(|e| e.path == "variants[0].verify.headers[0].name"
                    && e.message.contains(problem)),
            "{header}: {errors:?}"
        );
    }
    for escape in [
        "//evil.example/x",
        "https://evil.example/x",
        "evil.example/x",
    ] {
        let hostile = text.replacen(path, &format!("path = \"{escape}\""), 1);
        assert_refused(
            &hostile,
            line_with(&text, path),
            "variants[0].verify.path",
            "",
        );
    }

    // A 10 MiB file is refused before it is parsed.
    let huge = format!("{text}\n# {}\n", "x".repeat(10 * 1024 * 1024));
    assert_refused(&huge, 1, "(file)", "at most 262144 bytes");

    // Deeply nested arrays stop the parser; a huge array is bounded.
    let nested = text.replacen(
        "bulk_rate = 1.0",
        &format!("bulk_rate = {}1{}", "[".repeat(5000), "]".repeat(5000)),
        1,
    );
    assert_refused(
        &nested,
        line_with(&text, "bulk_rate"),
        "(toml)",
        "not valid TOML",
    );
    let identifying = "identifying = [";
    let many = text.replacen(
        identifying,
        &format!("identifying = [{}", "\"x\", ".repeat(1000)),
        1,
    );
    assert_refused(
        &many,
        line_with(&text, identifying),
        "identifying",
        "1005 elements",
    );
    let long = text.replacen(
        "name = \"Workable\"",
        &format!("name = \"{}\"", "W".repeat(5000)),
        1,
    );
    assert_refused(&long, 2, "name", "5000 characters");

    // An unknown key, top level and nested.
    let typo = text.replacen(
        "name = \"Workable\"\n",
        "name = \"Workable\"\nnmae = \"x\"\n",
        1,
    );
    assert_refused(&typo, 3, "nmae", "unknown field");
    let nested_typo = text.replacen(
        auth,
        "auth = { kind = \"bearer\", field = \"api_key\", x = 1 }",
        1,
    );
    assert_refused(
        &nested_typo,
        line_with(&text, auth),
        "variants[0].auth",
        "unknown field",
    );

    // A line that is not TOML.
    let bad = text.replacen("bulk_rate = 1.0", "bulk_rate = = 1.0", 1);
    assert_refused(
        &bad,
        line_with(&text, "bulk_rate"),
        "(toml)",
        "not valid TOML",
    );

    // Ids are lowercase kebab-case.
    let id = text.replacen("id = \"workable\"", "id = \"Work_able\"", 1);
    assert_refused(&id, 1, "id", "kebab-case");
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let text = text_of("workable")
        .replacen("field = \"api_key\" }", "field = \"apikey\" }", 1)
        .replacen(
            "path = \"/accounts/{subdomain}\"",
            "path = \"/accounts/{api_key}\"",
            1,
        )
        .replacen("pointer = \"/id\"", "pointer = \"id\"", 1);
    let errors = load("workable.toml", &text).expect_err("refused");
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "variants[0].auth.field",
            "variants[0].verify.path",
            "variants[0].proof.account[0].source.pointer"
        ],
        "{errors:?}"
    );
}

#[test]
fn references_to_origins_and_choices_are_checked() {
    let text = text_of("greenhouse");
    let origin = text.replacen("origin = \"auth\"", "origin = \"auht\"", 1);
    assert_refused_in(
        "greenhouse",
        &origin,
        line_with(&text, "origin = \"auth\""),
        "variants[0].auth.origin",
        "\"auht\" is not a declared origin",
    );

    let text = text_of("lever");
    let choice = "{ value = \"sandbox\"";
    let renamed = text.replacen(choice, "{ value = \"staging\"", 1);
    assert_refused_in(
        "lever",
        &renamed,
        line_with(&text, "urls = ["),
        "base_url.urls",
        "one URL per value of \"environment\"",
    );
    let field = text.replacen("field = \"environment\"", "field = \"api_key\"", 1);
    assert_refused_in(
        "lever",
        &field,
        line_with(&text, "field = \"environment\""),
        "base_url.field",
        "choice",
    );
}
