//! Reading the hub's settings: layers, spellings, and what is refused.

use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn layers_apply_in_order_file_env_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hub.toml");
    std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndatabase = \"sqlite://file.db\"\ncheck_timeout = 3\n\
             [base_urls.greenhouse]\napi = \"http://127.0.0.1:1/v1\"\nauth = \"http://127.0.0.1:2\"\n",
        )
        .expect("write");
    let flags = Flags {
        database: Some("sqlite://flag.db".to_owned()),
        ..Flags::default()
    };
    let settings = Settings::load(
        Some(&file),
        env(&[
            ("CONNECTOR_HUB__LISTEN", "127.0.0.1:9100"),
            ("CONNECTOR_HUB__DATABASE", "sqlite://env.db"),
        ]),
        &flags,
    )
    .expect("loads");
    assert_eq!(settings.listen, SocketAddr::from(([127, 0, 0, 1], 9100)));
    assert_eq!(settings.database, "sqlite://flag.db");
    assert_eq!(settings.limits().timeout, Duration::from_secs(3));
    let overrides = settings.overrides("greenhouse").expect("valid");
    assert!(overrides.base_url.is_some());
    assert!(overrides.origins.contains_key("auth"));
}

#[test]
fn an_unknown_setting_or_connector_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hub.toml");
    std::fs::write(&file, "[base_urls]\ngreenhose = \"http://127.0.0.1:1\"\n").expect("write");
    let err = Settings::load(Some(&file), HashMap::new(), &Flags::default())
        .expect_err("unknown connector");
    assert!(err.to_string().contains("greenhouse"), "{err}");
    std::fs::write(&file, "lisen = \"127.0.0.1:1\"\n").expect("write");
    let err =
        Settings::load(Some(&file), HashMap::new(), &Flags::default()).expect_err("unknown key");
    assert!(err.to_string().contains("lisen"), "{err}");
}

fn load_file(text: &str, vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hub.toml");
    std::fs::write(&file, text).expect("write");
    Settings::load(Some(&file), env(vars), &Flags::default())
}

fn api_url(settings: &Settings, id: &str) -> String {
    let overrides = settings.overrides(id).expect("valid");
    overrides
        .base_url
        .expect("an API base URL")
        .as_str()
        .to_owned()
}

#[test]
fn a_hyphenated_id_is_set_from_the_environment() {
    let settings = load_file(
        "",
        &[(
            "CONNECTOR_HUB__BASE_URLS__POLYMER_HIRE__API",
            "http://127.0.0.1:1/v1",
        )],
    )
    .expect("loads");
    assert_eq!(api_url(&settings, "polymer-hire"), "http://127.0.0.1:1/v1");
}

#[test]
fn the_clis_spellings_are_accepted() {
    let settings = load_file(
        "[base_urls]
greenhouse = \"http://127.0.0.1:1/v3\"
\"greenhouse.auth\" = \"http://127.0.0.1:2\"
",
        &[],
    )
    .expect("loads");
    assert_eq!(api_url(&settings, "greenhouse"), "http://127.0.0.1:1/v3");
    let overrides = settings.overrides("greenhouse").expect("valid");
    assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:2");

    // The environment wins over the file, slot by slot.
    let settings = load_file(
        "[base_urls.greenhouse]
api = \"http://127.0.0.1:1/v3\"
auth = \"http://127.0.0.1:2\"
",
        &[(
            "CONNECTOR_HUB__BASE_URLS__GREENHOUSE",
            "http://127.0.0.1:3/v3",
        )],
    )
    .expect("loads");
    assert_eq!(api_url(&settings, "greenhouse"), "http://127.0.0.1:3/v3");
    let overrides = settings.overrides("greenhouse").expect("valid");
    assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:2");
}

#[test]
fn an_unknown_id_is_named_without_sending_operators_to_the_cli() {
    for (file, vars) in [
        (
            "[base_urls]
greenhose = \"http://127.0.0.1:1\"
",
            &[][..],
        ),
        (
            "",
            &[(
                "CONNECTOR_HUB__BASE_URLS__GREENHOSE__API",
                "http://127.0.0.1:1",
            )][..],
        ),
    ] {
        let err = load_file(file, vars)
            .expect_err("unknown connector")
            .to_string();
        assert!(err.contains("unknown connector `greenhose`"), "{err}");
        assert!(err.contains("did you mean `greenhouse`"), "{err}");
        assert!(!err.contains("connector list"), "{err}");
    }
}

#[test]
fn an_origin_name_the_connector_lacks_is_still_accepted_and_ignored() {
    let settings = load_file(
        "[base_urls.lever]
api = \"http://127.0.0.1:1\"
auth = \"http://127.0.0.1:2\"
",
        &[(
            "CONNECTOR_HUB__BASE_URLS__LEVER__TOKENS",
            "http://127.0.0.1:3",
        )],
    )
    .expect("loads as before");
    assert_eq!(api_url(&settings, "lever"), "http://127.0.0.1:1");
    let overrides = settings.overrides("lever").expect("valid");
    assert!(overrides.origins.is_empty(), "{:?}", overrides.origins);
}

#[test]
fn private_webhook_addresses_are_refused_unless_the_environment_allows_them() {
    assert!(!Settings::default().webhooks_allow_private_addresses);
    let settings = load_file(
        "",
        &[("CONNECTOR_HUB__WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", "true")],
    )
    .expect("loads");
    assert!(settings.webhooks_allow_private_addresses);
}

#[test]
fn allowed_return_origins_are_normalized_and_a_bad_entry_is_refused_by_name() {
    let settings = load_file(
        "allowed_return_origins = [\"https://App.Example.com/\", \"http://127.0.0.1:3000\"]\n",
        &[],
    )
    .expect("loads");
    assert_eq!(
        settings.return_origins().expect("valid"),
        ["https://app.example.com", "http://127.0.0.1:3000"]
    );
    let settings = load_file(
        "",
        &[(
            "CONNECTOR_HUB__ALLOWED_RETURN_ORIGINS",
            "https://a.example,https://b.example:8443",
        )],
    )
    .expect("loads");
    assert_eq!(
        settings.return_origins().expect("valid"),
        ["https://a.example", "https://b.example:8443"]
    );
    for bad in [
        "https://app.example.com/back",
        "http://app.example.com",
        "https://user@app.example.com",
        "app.example.com",
        "https://*.example.com",
    ] {
        let err = load_file(&format!("allowed_return_origins = [{bad:?}]\n"), &[]).expect_err(bad);
        assert!(
            err.to_string().contains("allowed_return_origins"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn only_exact_frame_ancestors_name_an_origin_to_post_to() {
    let settings = load_file(
        "frame_ancestors = [\"https://App.Example.com\", \"https://*.example.net\"]\n",
        &[],
    )
    .expect("loads");
    assert_eq!(settings.frame_origins(), ["https://app.example.com"]);
}

#[test]
fn resolve_pins_parse_as_the_clis_and_come_from_the_file_or_the_environment() {
    let settings = load_file(
        "resolve = [\"API.Example.com.:443:127.0.0.1\", \"*.bench.test:8443:[::1]\", \" \"]\n",
        &[],
    )
    .expect("loads");
    assert_eq!(
        settings.pins().expect("valid"),
        [
            Pin {
                host: "api.example.com".to_owned(),
                port: 443,
                addr: "127.0.0.1".parse().expect("an address"),
            },
            Pin {
                host: "*.bench.test".to_owned(),
                port: 8443,
                addr: "::1".parse().expect("an address"),
            },
        ]
    );
    let settings = load_file(
        "",
        &[(
            "CONNECTOR_HUB__RESOLVE",
            "a.test:443:127.0.0.1,*:80:127.0.0.2",
        )],
    )
    .expect("loads");
    let hosts: Vec<String> = settings
        .pins()
        .expect("valid")
        .into_iter()
        .map(|p| p.host)
        .collect();
    assert_eq!(hosts, ["a.test", "*"]);
    assert!(load_file("", &[])
        .expect("loads")
        .pins()
        .expect("none")
        .is_empty());
}

#[test]
fn a_bad_pin_is_named_by_its_place_with_the_form_expected() {
    for (bad, why) in [
        ("x", "three parts"),
        ("h.test:443", "three parts"),
        (":443:127.0.0.1", "HOST must be"),
        ("h/x:443:127.0.0.1", "HOST must be"),
        ("h.test:0:127.0.0.1", "PORT must be"),
        ("h.test:https:127.0.0.1", "PORT must be"),
        ("h.test:443:localhost", "ADDRESS must be"),
    ] {
        let err = load_file(
            &format!("resolve = [\"ok.test:1:127.0.0.1\", {bad:?}]\n"),
            &[],
        )
        .expect_err(bad)
        .to_string();
        assert!(
            err.starts_with(&format!("resolve[1] {bad:?}: expected HOST:PORT:ADDRESS")),
            "{bad}: {err}"
        );
        assert!(err.contains(why), "{bad}: {err}");
    }
    let err = load_file("", &[("CONNECTOR_HUB__RESOLVE", "nope")])
        .expect_err("a bad pin")
        .to_string();
    assert!(err.starts_with("resolve[0] \"nope\""), "{err}");
}

#[test]
fn ca_cert_is_read_at_load_and_a_bad_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = params.self_signed(&key).expect("a CA");
    let pem = dir.path().join("ca.pem");
    std::fs::write(&pem, ca.pem()).expect("write");
    let settings =
        load_file(&format!("ca_cert = {:?}\n", pem.display().to_string()), &[]).expect("loads");
    assert_eq!(settings.ca_cert.as_deref(), Some(pem.as_path()));
    assert_eq!(settings.extra_roots().expect("read").len(), 1);
    let settings = load_file(
        "",
        &[("CONNECTOR_HUB__CA_CERT", &pem.display().to_string())],
    )
    .expect("loads");
    assert_eq!(settings.ca_cert.as_deref(), Some(pem.as_path()));
    settings
        .network(connector_core::HttpClient::builder())
        .expect("applies")
        .build()
        .expect("a client");

    let missing = dir.path().join("missing.pem");
    let err = load_file(
        &format!("ca_cert = {:?}\n", missing.display().to_string()),
        &[],
    )
    .expect_err("no such file")
    .to_string();
    assert!(err.starts_with("ca_cert: cannot read"), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("write");
    let err = load_file(
        &format!("ca_cert = {:?}\n", junk.display().to_string()),
        &[],
    )
    .expect_err("no certificate")
    .to_string();
    assert!(err.starts_with("ca_cert: "), "{err}");
    assert!(err.contains("junk.pem"), "{err}");
}
