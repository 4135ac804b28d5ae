//! The declarative part of a connector, as plain data: identity, credential fields, where
//! requests go, how the key is sent, the requests (verification, token exchange, actions) and the
//! rules that read their answers, what a successful verification proves, and the setup guide.
//! Everything here is `const`-constructible, so a connector's definition is checked by the
//! compiler (see [`ConnectorSpec::assert_valid`]) and costs nothing at run time. Nothing here
//! sends, builds or reads a request.

pub mod action;
mod assert;
pub mod auth;
pub mod connector;
pub mod field;
pub mod guide;
pub mod origin;
pub mod proof;
pub mod request;

pub use action::{ActionSpec, Caution, Output, QueryParam};
pub use auth::{
    Auth, ClientAuth, ExtraHeader, HeaderValueSource, Part, SecretHeader, TokenExchange,
};
pub use connector::{ConnectorSpec, CredentialVariant, DocLink, FieldRole};
pub use field::{Field, Format};
pub use guide::{SetupGuide, Step, Troubleshooting};
pub use origin::{BaseUrl, Origin};
pub use proof::{Proof, Shape, Source, Warning};
pub use request::{Answer, Body, Literal, Match, Method, Repeat, RequestSpec};

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Field = Field::api_key("X_API_KEY");

    fn variant(auth: Auth<'static>, verify: RequestSpec<'static>) -> CredentialVariant<'static> {
        CredentialVariant {
            name: "api_key",
            aliases: &[],
            label: "API key",
            description: "",
            fields: &[KEY],
            auth,
            extra_headers: &[],
            verify,
            proof: None,
        }
    }

    fn spec(
        base_url: BaseUrl<'static>,
        variants: &'static [CredentialVariant<'static>],
    ) -> ConnectorSpec<'static> {
        ConnectorSpec {
            id: "x",
            name: "X",
            category: "",
            summary: "",
            base_url,
            origins: &[],
            docs: &[],
            variants,
            guide: SetupGuide::EMPTY,
            assumptions: &[],
            actions: &[],
            bulk_rate: None,
            undocumented: &[],
            identifying: &[],
        }
    }

    fn refusal(spec: ConnectorSpec) -> String {
        let caught = std::panic::catch_unwind(|| spec.assert_valid()).expect_err("must refuse");
        caught
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| caught.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn dangling_references_are_refused() {
        let ok: &'static [CredentialVariant] = Box::leak(Box::new([variant(
            Auth::Bearer { field: "api_key" },
            RequestSpec::get("/me", ""),
        )]));
        spec(BaseUrl::Template("https://x.example"), ok).assert_valid();

        let bad_auth: &'static [CredentialVariant] = Box::leak(Box::new([variant(
            Auth::Bearer { field: "token" },
            RequestSpec::get("/me", ""),
        )]));
        let message = refusal(spec(BaseUrl::Template("https://x.example"), bad_auth));
        assert!(message.contains("auth names no field"), "{message}");

        let message = refusal(spec(BaseUrl::Template("https://{subdomain}.x.example"), ok));
        assert!(message.contains("base URL placeholder"), "{message}");

        let secret_in_path: &'static [CredentialVariant] = Box::leak(Box::new([variant(
            Auth::Bearer { field: "api_key" },
            RequestSpec::get("/keys/{api_key}", ""),
        )]));
        let message = refusal(spec(BaseUrl::Template("https://x.example"), secret_in_path));
        assert!(message.contains("secret field"), "{message}");
    }

    #[test]
    fn incoherent_proofs_are_refused() {
        fn with(proof: Proof<'static>) -> ConnectorSpec<'static> {
            let variants: &'static [CredentialVariant] = Box::leak(Box::new([CredentialVariant {
                proof: Some(proof),
                ..variant(
                    Auth::Bearer { field: "api_key" },
                    RequestSpec::get("/me", ""),
                )
            }]));
            spec(BaseUrl::Template("https://x.example"), variants)
        }
        const ID: &[(&str, Source)] = &[("id", Source::Member("/id"))];
        let fine = Proof {
            account: &[
                ("name", Source::Member("/name")),
                ("name", Source::Text(&["/first", "/last"])),
                ("users", Source::Count),
            ],
            ..Proof::new(Shape::List, &["", "/data/~0x"], "expected users")
        };
        with(fine).assert_valid();
        let refused = [
            (Proof::new(Shape::Object, &[], "x"), "at least one place"),
            (Proof::new(Shape::Object, &["data"], "x"), "`at`"),
            (Proof::new(Shape::Object, &["/a~2"], "x"), "`at`"),
            (
                Proof {
                    account: ID,
                    ..Proof::new(Shape::Object, &[""], " ")
                },
                "`expected`",
            ),
            (
                Proof::new(Shape::Object, &[""], "x"),
                "at least one account field",
            ),
            (
                Proof {
                    required: &[""],
                    account: ID,
                    ..Proof::new(Shape::Object, &[""], "x")
                },
                "`required`",
            ),
            (
                Proof {
                    account: &[
                        ("a", Source::Member("/a")),
                        ("b", Source::Member("/b")),
                        ("a", Source::Member("/c")),
                    ],
                    ..Proof::new(Shape::Object, &[""], "x")
                },
                "twice",
            ),
            (
                Proof {
                    account: &[
                        ("a", Source::Fixed(Literal::Bool(true))),
                        ("a", Source::Member("/a")),
                    ],
                    ..Proof::new(Shape::Object, &[""], "x")
                },
                "never read",
            ),
            (
                Proof {
                    account: &[("n", Source::Count)],
                    ..Proof::new(Shape::Object, &[""], "x")
                },
                "Shape::List",
            ),
            (
                Proof {
                    account: &[("a.b", Source::Member("/a"))],
                    ..Proof::new(Shape::Object, &[""], "x")
                },
                "`.`",
            ),
            (
                Proof {
                    account: &[("a", Source::Text(&[]))],
                    ..Proof::new(Shape::Object, &[""], "x")
                },
                "at least one member",
            ),
        ];
        for (proof, wanted) in refused {
            let message = refusal(with(proof));
            assert!(message.contains(wanted), "{wanted}: {message}");
        }
    }

    #[test]
    fn key_field_and_roles_follow_the_auth() {
        let v = variant(Auth::basic_key("api_key"), RequestSpec::get("/me", ""));
        assert_eq!(v.key_field().map(|f| f.key), Some("api_key"));
        let s = spec(BaseUrl::Template("https://x.example"), &[]);
        let roles = v.roles(&s, &KEY);
        assert!(roles.contains(&FieldRole::Secret) && roles.contains(&FieldRole::Credential));
        assert_eq!(Auth::basic_key("k").kind(), "basic");
        assert_eq!(
            Auth::Basic {
                username: Part::Field("k"),
                password: Part::Fixed("x")
            }
            .kind(),
            "basic-password:x"
        );
    }
}
