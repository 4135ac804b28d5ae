//! Where requests go: the API base URL (one template, or one per value of a choice field) and
//! the other named origins, such as a token endpoint.

/// Where a connector's requests go.
#[derive(Debug, Clone, Copy)]
pub enum BaseUrl<'a> {
    /// One URL; `{field}` placeholders in the host fill one DNS label, in the path one segment.
    Template(&'a str),
    /// One URL per value of a choice field (a region or an environment), each a template.
    Choice {
        field: &'a str,
        urls: &'a [(&'a str, &'a str)],
    },
}

impl<'a> BaseUrl<'a> {
    /// Every URL template it may use.
    pub fn templates(&self) -> Vec<&'a str> {
        match self {
            BaseUrl::Template(t) => vec![*t],
            BaseUrl::Choice { urls, .. } => urls.iter().map(|(_, u)| *u).collect(),
        }
    }

    /// The template for a choice value (the template itself when there is no choice).
    pub fn template_for(&self, choice: Option<&str>) -> Option<&'a str> {
        match self {
            BaseUrl::Template(t) => Some(t),
            BaseUrl::Choice { urls, .. } => {
                let choice = choice?;
                urls.iter().find(|(v, _)| *v == choice).map(|(_, u)| *u)
            }
        }
    }

    /// The field choosing the URL, if any.
    pub fn choice_field(&self) -> Option<&'a str> {
        match self {
            BaseUrl::Template(_) => None,
            BaseUrl::Choice { field, .. } => Some(field),
        }
    }

    /// The default URL (the first choice), for docs and listings.
    pub fn primary(&self) -> &'a str {
        match self {
            BaseUrl::Template(t) => t,
            BaseUrl::Choice { urls, .. } => urls.first().map_or("", |(_, u)| u),
        }
    }

    /// `https://api.x.com` or `eu: https://…, na: https://…`, for docs.
    pub fn describe(&self) -> String {
        match self {
            BaseUrl::Template(t) => (*t).to_owned(),
            BaseUrl::Choice { field, urls } => {
                let each: Vec<String> = urls
                    .iter()
                    .map(|(v, u)| format!("{u} ({field} `{v}`)"))
                    .collect();
                each.join(", ")
            }
        }
    }
}

/// A second origin a connector sends to, e.g. a token endpoint, overridable as `NAME=URL`.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The override name, e.g. `auth`.
    pub name: &'a str,
    pub url: BaseUrl<'a>,
    /// What is sent there, for docs.
    pub description: &'a str,
}
