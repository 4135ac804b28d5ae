//! `new-connector … --definition`: the scaffold as a definition file (`DIR/<id>.toml`) and its
//! starter fixtures (`DIR/<id>/`), instead of a crate. The file is built as a
//! `connector_definition::Definition` from the same checked request as the crate, printed
//! canonically and loaded back before anything is written, so it always loads. Its placeholders
//! (`TODO` texts, the `/TODO` path, an empty guide) are what the suite reports, as for a crate.

use std::path::{Path, PathBuf};

use anyhow::bail;
use connector_core::outcome::Status;
use connector_core::spec::Method;
use connector_definition::model::{
    AccountField, Answer, Auth, BaseUrl, Body, ClientAuth, Definition, Field, Format, Guide,
    Literal, Match, Origin, Pair, Part, Proof, Request as Verify, SecretHeader, Shape, Source,
    TokenExchange, Troubleshooting, Variant,
};

use super::request::{AuthChoice, FieldPlan, Request, KEY};
use super::{fixtures, Plan};

/// Where definitions go without `--definitions`, relative to the workspace root.
pub const DEFAULT_DIR: &str = "definitions";

/// The definition file and the starter fixtures for `request`, in `dir`: nothing to edit, no
/// manifest or registry touched. Refuses an id that is compiled or already in `dir`.
pub fn plan(dir: &Path, request: &Request) -> anyhow::Result<Plan> {
    let id = &request.id;
    if connector_registry::is_compiled(id) {
        bail!("`{id}` is the id of a compiled connector; a definition needs an id of its own");
    }
    let file = dir.join(format!("{id}.toml"));
    if file.exists() {
        bail!(
            "{} already exists; pick another id or edit that definition",
            file.display()
        );
    }
    let fixture_dir = dir.join(id);
    if fixture_dir.exists() {
        bail!(
            "{} already exists; remove it or pick another id",
            fixture_dir.display()
        );
    }
    let text = connector_definition::print(&definition(request));
    if let Err(problems) = connector_definition::load(&file.display().to_string(), &text) {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        bail!(
            "the scaffolded definition does not load (a bug in xtask's scaffold; please report \
             it):\n{}",
            lines.join("\n")
        );
    }
    let mut create: Vec<(PathBuf, String)> = vec![(file, text)];
    create.extend(
        fixtures::scenarios(request)?
            .into_iter()
            .map(|(name, text)| (fixture_dir.join(format!("{name}.json")), text)),
    );
    Ok(Plan {
        create,
        edit: Vec::new(),
    })
}

/// The scaffold's definition: what `xtask/templates/connector/spec.rs.j2` and `guide.rs.j2`
/// declare for the same request.
pub fn definition(request: &Request) -> Definition {
    let own_origin = request.token.as_ref().filter(|t| t.own_origin);
    let (name, label, description) = match request.auth {
        AuthChoice::Exchange => (
            "client_credentials",
            "Client credentials",
            format!(
                "The client ID and secret of a {} API credential, exchanged for an access token.",
                request.name
            ),
        ),
        _ => (
            "api_key",
            "API key",
            format!("An API key for {}.", request.name),
        ),
    };
    Definition {
        id: request.id.clone(),
        name: request.name.clone(),
        category: "TODO: what kind of product the provider is, e.g. ATS (hiring)".to_owned(),
        summary: "TODO: one sentence on what the provider is and how its keys work".to_owned(),
        bulk_rate: None,
        assumptions: Vec::new(),
        undocumented: Vec::new(),
        identifying: ["id", "name", "email"].map(str::to_owned).to_vec(),
        base_url: BaseUrl::Url {
            url: request.base_url.template.clone(),
        },
        origins: own_origin
            .map(|token| Origin {
                name: "auth".to_owned(),
                description: "The token endpoint: the client ID and secret are exchanged there \
                              for an access token."
                    .to_owned(),
                url: BaseUrl::Url {
                    url: token.origin.template.clone(),
                },
            })
            .into_iter()
            .collect(),
        docs: Vec::new(),
        variants: vec![Variant {
            name: name.to_owned(),
            aliases: Vec::new(),
            label: label.to_owned(),
            description,
            fields: request.fields().iter().map(field).collect(),
            auth: auth(request),
            extra_headers: Vec::new(),
            verify: Verify {
                method: Method::Get,
                path: "/TODO".to_owned(),
                proves: "TODO: what a successful answer proves about the key".to_owned(),
                query: Vec::new(),
                headers: Vec::new(),
                body: Body::None,
                success: None,
                answers: Vec::new(),
            },
            proof: Some(Proof {
                at: vec![String::new()],
                shape: Shape::Object,
                expected: "TODO: the shape of a successful answer, e.g. {\"id\", \"name\"}"
                    .to_owned(),
                required: Vec::new(),
                one_of: Vec::new(),
                account: vec![AccountField {
                    name: "TODO".to_owned(),
                    source: Source::Member {
                        pointer: "/TODO".to_owned(),
                    },
                }],
                warnings: Vec::new(),
            }),
        }],
        actions: Vec::new(),
        guide: Guide {
            prerequisites: Vec::new(),
            lifecycle: Vec::new(),
            troubleshooting: Troubleshooting::default(),
            steps: Vec::new(),
        },
    }
}

fn field(plan: &FieldPlan) -> Field {
    Field {
        key: plan.key.clone(),
        label: plan.label.clone(),
        help: plan.help.clone(),
        required: true,
        secret: plan.secret,
        format: Format::Text,
        example: plan.example.clone().filter(|_| !plan.secret),
        env: Some(plan.env.clone()),
        default: None,
    }
}

fn auth(request: &Request) -> Auth {
    let key = || Part::Field {
        field: KEY.to_owned(),
    };
    match &request.auth {
        AuthChoice::Bearer => Auth::Bearer {
            field: KEY.to_owned(),
        },
        AuthChoice::Basic => Auth::Basic {
            username: key(),
            password: Part::Fixed {
                text: String::new(),
            },
        },
        AuthChoice::BasicPassword(password) => Auth::Basic {
            username: key(),
            password: Part::Fixed {
                text: password.clone(),
            },
        },
        AuthChoice::BasicPair => Auth::Basic {
            username: Part::Field {
                field: "username".to_owned(),
            },
            password: key(),
        },
        AuthChoice::Header(header) => Auth::Header {
            header: header.clone(),
            field: KEY.to_owned(),
        },
        AuthChoice::HeaderTemplate { header, template } => Auth::Headers {
            headers: vec![SecretHeader {
                name: header.clone(),
                template: template.clone(),
            }],
        },
        AuthChoice::Query(param) => Auth::Query {
            param: param.clone(),
            field: KEY.to_owned(),
        },
        AuthChoice::Exchange => Auth::Exchange(Box::new(exchange(request))),
    }
}

/// The token exchange of `--auth exchange`, as the crate template declares it.
fn exchange(request: &Request) -> TokenExchange {
    let token = request.token.as_ref();
    TokenExchange {
        origin: token.filter(|t| t.own_origin).map(|_| "auth".to_owned()),
        token: "/access_token".to_owned(),
        client: ClientAuth::Basic {
            id: "client_id".to_owned(),
            secret: "client_secret".to_owned(),
        },
        request: Verify {
            method: Method::Post,
            path: token.map_or_else(|| "/TODO".to_owned(), |t| t.path.clone()),
            proves: "the client ID and secret may get an access token.".to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Form {
                fields: vec![Pair {
                    name: "grant_type".to_owned(),
                    value: "client_credentials".to_owned(),
                }],
            },
            success: None,
            // RFC 6749 (section 5.2): unknown or wrong client credentials are `invalid_client`,
            // as a 401 or a 400.
            answers: vec![Answer {
                status: 400,
                outcome: Status::Rejected,
                message: "the token endpoint refused the client ID and secret: copy both again \
                          from the same credential"
                    .to_owned(),
                when: Some(Match::Equals {
                    pointer: "/error".to_owned(),
                    value: Literal::Str("invalid_client".to_owned()),
                }),
            }],
        },
    }
}

#[cfg(test)]
mod tests {
    use connector_core::Connector;
    use connector_testkit::{run_suite_blocking, SuiteOptions};

    use super::super::apply;
    use super::*;

    fn request(id: &str, auth: &str, base_url: &str) -> Request {
        Request::parse(id, "Acme Test", auth, base_url).expect("a valid request")
    }

    /// Every credential shape scaffolds a definition that loads (`plan` loads it back before
    /// writing) and sends the credential the way the flag says.
    #[test]
    fn every_shape_scaffolds_a_definition_that_loads() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for auth in [
            "bearer",
            "basic",
            "basic-password:x",
            "basic-pair",
            "header:X-Acme-Key",
            "header-template:Authorization: Token token={api_key}",
            "query:apikey",
            "exchange",
        ] {
            let request = request("acme-test", auth, "https://{subdomain}.acme.test/v1");
            let plan = plan(dir.path(), &request).unwrap_or_else(|e| panic!("{auth}: {e:#}"));
            let (path, text) = &plan.create[0];
            assert!(path.ends_with("acme-test.toml"), "{}", path.display());
            assert!(plan.create.len() >= 6, "{auth}: the file and its fixtures");
            assert!(plan.edit.is_empty());
            let loaded = connector_definition::load("acme-test.toml", text).expect("it loads");
            let keys: Vec<&str> = loaded.variants[0]
                .fields
                .iter()
                .map(|f| f.key.as_str())
                .collect();
            assert_eq!(keys[0], "subdomain", "{auth}: {keys:?}");
        }
        let with_token = request("acme-test", "exchange", "https://api.acme.test/v1")
            .with_token_url("https://auth.acme.test/oauth/token")
            .expect("a token URL");
        let definition = definition(&with_token);
        assert_eq!(definition.origins[0].name, "auth");
        let Auth::Exchange(exchange) = &definition.variants[0].auth else {
            panic!("an exchange");
        };
        assert_eq!(exchange.request.path, "/oauth/token");
        assert_eq!(exchange.origin.as_deref(), Some("auth"));
    }

    #[test]
    fn a_compiled_id_or_an_existing_definition_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let compiled = plan(
            dir.path(),
            &request("polytomic", "bearer", "https://a.test/v1"),
        );
        assert!(format!("{:#}", compiled.expect_err("compiled")).contains("compiled"));
        std::fs::write(dir.path().join("acme-test.toml"), "").expect("written");
        let taken = plan(
            dir.path(),
            &request("acme-test", "bearer", "https://a.test/v1"),
        );
        assert!(format!("{:#}", taken.expect_err("exists")).contains("already exists"));
    }

    /// A fresh definition scaffold fails `spec.no-placeholders` as a fresh crate does, naming
    /// the definition's placeholders and every starter fixture in DIR/<id>/.
    #[test]
    fn a_fresh_definition_fails_no_placeholders_naming_what_is_left() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let request = request("acme-test", "bearer", "https://api.acme.test");
        let plan = plan(dir.path(), &request).expect("a plan");
        apply(dir.path(), &plan).expect("written");

        let loaded = connector_definition::load_dir(dir.path()).expect("the scaffold loads");
        let connectors: Vec<&dyn Connector> = loaded.iter().map(|c| c as &dyn Connector).collect();
        let options = SuiteOptions::with_definitions_dir(dir.path());
        let report = run_suite_blocking(&connectors, &options).expect("a runtime");
        let check = report.connectors[0]
            .check("spec.no-placeholders")
            .expect("the check ran");
        assert!(
            !check.passed,
            "a fresh scaffold passed spec.no-placeholders"
        );
        let failures = check.failures.join("\n");
        for field in ["category", "summary", "variants[api_key].verify.path"] {
            assert!(
                failures.contains(&format!("`{field}` is still a placeholder")),
                "{failures}"
            );
        }
        assert!(
            failures.contains("the definition file of `acme-test`"),
            "{failures}"
        );
        for name in [
            "valid-key",
            "revoked-key",
            "key-lacking-permission",
            "rate-limited-then-ok",
            "provider-outage",
        ] {
            let file = dir.path().join("acme-test").join(format!("{name}.json"));
            let named = format!("{} still has placeholders in ", file.display());
            assert!(
                check
                    .failures
                    .iter()
                    .any(|f| f.contains(&named) && f.contains("request.path")),
                "{name} not named: {failures}"
            );
        }
    }
}
