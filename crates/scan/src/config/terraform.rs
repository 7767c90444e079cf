//! Terraform (HCL). Variables with literal defaults and locals are resolved; anything else is
//! treated as unknown, and a rule that would need it stays silent rather than guess.

use std::collections::HashMap;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::Element;
use hcl_edit::Span;

use super::check_env;
use crate::finding::Severity;
use crate::source::{Hit, Source};

/// A statically known value.
#[derive(Clone, Debug)]
enum Val {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
    Unknown,
}

impl Val {
    fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    fn truthy(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            Val::Str(s) if s == "true" => Some(true),
            Val::Str(s) if s == "false" => Some(false),
            _ => None,
        }
    }
    fn num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Str(s) => s.parse().ok(),
            _ => None,
        }
    }
    fn strings(&self) -> Vec<String> {
        match self {
            Val::Str(s) => vec![s.clone()],
            Val::List(v) => v
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }
    fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(m) => m
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    fn from_json(v: &serde_json::Value) -> Val {
        use serde_json::Value as J;
        match v {
            J::String(s) => Val::Str(s.clone()),
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => n.as_f64().map_or(Val::Unknown, Val::Num),
            J::Array(a) => Val::List(a.iter().map(Val::from_json).collect()),
            J::Object(o) => Val::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            ),
            J::Null => Val::Unknown,
        }
    }
}

struct Ctx<'b> {
    vars: HashMap<String, &'b Expression>,
    locals: HashMap<String, &'b Expression>,
}

fn eval(e: &Expression, cx: &Ctx<'_>, depth: u8) -> Val {
    if depth > 8 {
        return Val::Unknown;
    }
    match e {
        Expression::String(s) => Val::Str(s.value().to_string()),
        Expression::Number(n) => n.value().as_f64().map_or(Val::Unknown, Val::Num),
        Expression::Bool(b) => Val::Bool(*b.value()),
        Expression::Array(a) => Val::List(a.iter().map(|x| eval(x, cx, depth + 1)).collect()),
        Expression::Object(o) => Val::Map(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(x) => match eval(x, cx, depth + 1) {
                            Val::Str(s) => s,
                            _ => String::new(),
                        },
                    };
                    (key, eval(v.expr(), cx, depth + 1))
                })
                .collect(),
        ),
        Expression::StringTemplate(t) => literal_template(t.iter()),
        Expression::HeredocTemplate(h) => literal_template(h.template.iter()),
        Expression::Parenthesis(p) => eval(p.inner(), cx, depth + 1),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return Val::Unknown;
            };
            let Some(first) = t.operators.first() else {
                return Val::Unknown;
            };
            let TraversalOperator::GetAttr(name) = first.value() else {
                return Val::Unknown;
            };
            if t.operators.len() != 1 {
                return Val::Unknown;
            }
            let table = match root.as_str() {
                "var" => &cx.vars,
                "local" => &cx.locals,
                _ => return Val::Unknown,
            };
            table
                .get(name.as_str())
                .map_or(Val::Unknown, |x| eval(x, cx, depth + 1))
        }
        Expression::FuncCall(f) => match f.name.name.as_str() {
            "jsonencode" | "tolist" | "toset" | "tostring" => f
                .args
                .iter()
                .next()
                .map_or(Val::Unknown, |a| eval(a, cx, depth + 1)),
            _ => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}

fn literal_template<'a>(mut elements: impl Iterator<Item = &'a Element>) -> Val {
    let mut s = String::new();
    let all_literal = elements.all(|el| match el {
        Element::Literal(l) => {
            s.push_str(l.value());
            true
        }
        _ => false,
    });
    if all_literal {
        Val::Str(s)
    } else {
        Val::Unknown
    }
}

fn pos(x: &impl Span) -> usize {
    x.span().map_or(0, |r| r.start)
}

fn blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| b.ident.as_str() == ident)
}

fn label(b: &Block, i: usize) -> &str {
    b.labels.get(i).map_or("", |l| l.as_str())
}

struct Checker<'s, 'b> {
    src: &'s Source<'s>,
    cx: Ctx<'b>,
    out: &'s mut Vec<Hit>,
}

const RPC_PORTS: &[u16] = &[
    8545, 8546, 8547, 8551, 5052, 5051, 3500, 4000, 8899, 8900, 8332, 18332, 9933, 9944, 26657,
    1317, 9090,
];

fn parse_ports(s: &str) -> Option<(u16, u16)> {
    let s = s.trim();
    if s == "*" || s.eq_ignore_ascii_case("any") {
        return Some((0, 65535));
    }
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let p = s.parse().ok()?;
            Some((p, p))
        }
    }
}

fn world(cidrs: &[String]) -> bool {
    cidrs.iter().any(|c| {
        matches!(
            c.as_str(),
            "0.0.0.0/0" | "::/0" | "*" | "Internet" | "Any" | "any" | "0.0.0.0"
        )
    })
}

impl<'b> Checker<'_, 'b> {
    fn attr(&self, body: &'b Body, key: &str) -> Option<(Val, usize)> {
        let a = body.get_attribute(key)?;
        Some((eval(&a.value, &self.cx, 0), pos(a)))
    }

    fn hit(&mut self, rule: &'static str, sev: Severity, at: usize, msg: String) {
        self.out.push(Hit::config(rule, sev, at, msg));
    }

    /// Reports open-to-the-world ingress on SSH and RPC ports.
    fn ingress(&mut self, at: usize, cidrs: &[String], ranges: &[(u16, u16)], what: &str) {
        if !world(cidrs) {
            return;
        }
        let covers = |p: u16| ranges.iter().any(|(lo, hi)| *lo <= p && p <= *hi);
        if covers(22) {
            self.hit(
                "tf-sg-open-ssh",
                Severity::High,
                at,
                format!("{what} allows SSH (22) from the internet"),
            );
        }
        let rpc: Vec<String> = RPC_PORTS
            .iter()
            .filter(|p| covers(**p))
            .map(u16::to_string)
            .collect();
        if !rpc.is_empty() {
            let shown = if rpc.len() > 4 {
                "all ports".to_string()
            } else {
                rpc.join(", ")
            };
            self.hit(
                "tf-sg-open-rpc",
                Severity::High,
                at,
                format!("{what} allows node RPC ports ({shown}) from the internet"),
            );
        }
    }

    fn aws_rule(&mut self, body: &'b Body, at: usize, what: &str) {
        let mut cidrs = Vec::new();
        for k in ["cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"] {
            if let Some((v, _)) = self.attr(body, k) {
                cidrs.extend(v.strings());
            }
        }
        let proto = self
            .attr(body, "protocol")
            .or_else(|| self.attr(body, "ip_protocol"))
            .map(|v| v.0);
        let all = matches!(proto.as_ref().and_then(Val::as_str), Some("-1" | "all"))
            || proto.as_ref().and_then(Val::num) == Some(-1.0);
        let from = self.attr(body, "from_port").and_then(|v| v.0.num());
        let to = self.attr(body, "to_port").and_then(|v| v.0.num());
        let range = if all {
            Some((0, 65535))
        } else {
            match (from, to) {
                (Some(f), Some(t)) if f >= 0.0 && t <= 65535.0 => Some((f as u16, t as u16)),
                _ => None,
            }
        };
        if let Some(r) = range {
            self.ingress(at, &cidrs, &[r], what);
        }
    }

    fn resource(&mut self, ty: &str, name: &str, b: &'b Block) {
        let body = &b.body;
        let at = pos(b);
        let what = format!("{ty}.{name}");
        match ty {
            "aws_security_group" => {
                for ing in blocks(body, "ingress") {
                    self.aws_rule(&ing.body, pos(ing), &what);
                }
            }
            "aws_security_group_rule"
                if self
                    .attr(body, "type")
                    .and_then(|v| v.0.as_str().map(str::to_string))
                    .as_deref()
                    == Some("ingress") =>
            {
                self.aws_rule(body, at, &what);
            }
            "aws_vpc_security_group_ingress_rule" => self.aws_rule(body, at, &what),
            "google_compute_firewall" => {
                let dir = self
                    .attr(body, "direction")
                    .and_then(|v| v.0.as_str().map(str::to_string));
                if dir.as_deref().is_some_and(|d| d != "INGRESS") {
                    return;
                }
                let cidrs = self
                    .attr(body, "source_ranges")
                    .map(|v| v.0.strings())
                    .unwrap_or_default();
                for allow in blocks(body, "allow") {
                    let proto = self
                        .attr(&allow.body, "protocol")
                        .and_then(|v| v.0.as_str().map(str::to_string));
                    let ports = self.attr(&allow.body, "ports").map(|v| v.0.strings());
                    let ranges: Vec<(u16, u16)> = match ports {
                        Some(p) if !p.is_empty() => {
                            p.iter().filter_map(|s| parse_ports(s)).collect()
                        }
                        _ if proto.as_deref() == Some("all") || proto.as_deref() == Some("tcp") => {
                            vec![(0, 65535)]
                        }
                        _ => Vec::new(),
                    };
                    self.ingress(pos(allow), &cidrs, &ranges, &what);
                }
            }
            "azurerm_network_security_rule" => self.azure_rule(body, at, &what),
            "azurerm_network_security_group" => {
                for r in blocks(body, "security_rule") {
                    self.azure_rule(&r.body, pos(r), &what);
                }
            }
            "aws_s3_bucket" | "aws_s3_bucket_acl" => {
                if let Some((v, p)) = self.attr(body, "acl") {
                    if let Some(
                        acl @ ("public-read" | "public-read-write" | "authenticated-read"),
                    ) = v.as_str()
                    {
                        self.hit(
                            "tf-bucket-public",
                            Severity::High,
                            p,
                            format!("{what} has ACL `{acl}`"),
                        );
                    }
                }
            }
            "aws_s3_bucket_public_access_block" | "aws_s3_account_public_access_block" => {
                for k in [
                    "block_public_acls",
                    "block_public_policy",
                    "ignore_public_acls",
                    "restrict_public_buckets",
                ] {
                    if let Some((v, p)) = self.attr(body, k) {
                        if v.truthy() == Some(false) {
                            self.hit(
                                "tf-bucket-public",
                                Severity::High,
                                p,
                                format!("{what} sets `{k} = false`"),
                            );
                            break;
                        }
                    }
                }
            }
            "aws_s3_bucket_policy" => {
                if let Some((v, p)) = self.attr(body, "policy") {
                    if policy_statements(&v)
                        .iter()
                        .any(|s| allow(s) && principal_star(s) && s.get("Condition").is_none())
                    {
                        self.hit(
                            "tf-bucket-public",
                            Severity::High,
                            p,
                            format!("{what} grants access to principal `*`"),
                        );
                    }
                }
            }
            "google_storage_bucket_iam_member"
            | "google_storage_bucket_iam_binding"
            | "google_storage_bucket_access_control" => {
                for k in ["member", "members", "entity"] {
                    if let Some((v, p)) = self.attr(body, k) {
                        if v.strings().iter().any(|m| {
                            m.starts_with("allUsers") || m.starts_with("allAuthenticatedUsers")
                        }) {
                            self.hit(
                                "tf-bucket-public",
                                Severity::High,
                                p,
                                format!("{what} grants the bucket to all users"),
                            );
                        }
                    }
                }
            }
            "aws_ebs_volume" => match self.attr(body, "encrypted") {
                Some((v, _)) if v.truthy() == Some(true) => {}
                Some((v, p)) if v.truthy() == Some(false) => self.hit(
                    "tf-volume-unencrypted",
                    Severity::Medium,
                    p,
                    format!("{what} is not encrypted"),
                ),
                Some(_) => {}
                None => self.hit(
                    "tf-volume-unencrypted",
                    Severity::Medium,
                    at,
                    format!("{what} does not set `encrypted = true`"),
                ),
            },
            "aws_db_instance"
            | "aws_rds_cluster"
            | "aws_rds_cluster_instance"
            | "aws_docdb_cluster"
            | "aws_neptune_cluster" => {
                if ty != "aws_rds_cluster_instance" {
                    match self.attr(body, "storage_encrypted") {
                        Some((v, _)) if v.truthy() == Some(true) => {}
                        Some((v, p)) if v.truthy() == Some(false) => self.hit(
                            "tf-db-unencrypted",
                            Severity::Medium,
                            p,
                            format!("{what} storage is not encrypted"),
                        ),
                        Some(_) => {}
                        None => self.hit(
                            "tf-db-unencrypted",
                            Severity::Medium,
                            at,
                            format!("{what} does not set `storage_encrypted = true`"),
                        ),
                    }
                }
                if let Some((v, p)) = self.attr(body, "publicly_accessible") {
                    if v.truthy() == Some(true) {
                        self.hit(
                            "tf-db-public",
                            Severity::High,
                            p,
                            format!("{what} is publicly accessible"),
                        );
                    }
                }
                for k in ["password", "master_password"] {
                    if let Some((Val::Str(pw), p)) = self.attr(body, k) {
                        if !crate::secrets::is_placeholder(&pw) {
                            let span = self
                                .src
                                .text
                                .get(p..)
                                .and_then(|t| t.find(pw.as_str()))
                                .map(|i| p + i..p + i + pw.len());
                            self.out.push(Hit {
                                rule: "hardcoded-db-password",
                                severity: Severity::High,
                                offset: p,
                                secret: span,
                                fingerprint_material: Some(pw.into_bytes()),
                                message: format!("{what} has a literal `{k}`"),
                            });
                        }
                    }
                }
            }
            "aws_instance" | "aws_launch_template" | "aws_launch_configuration" => {
                self.imds(body, at, &what);
                for dev in ["root_block_device", "ebs_block_device"] {
                    for d in blocks(body, dev) {
                        if let Some((v, p)) = self.attr(&d.body, "encrypted") {
                            if v.truthy() == Some(false) {
                                self.hit(
                                    "tf-volume-unencrypted",
                                    Severity::Medium,
                                    p,
                                    format!("{what} {dev} is not encrypted"),
                                );
                            }
                        }
                    }
                }
                for m in blocks(body, "block_device_mappings") {
                    for e in blocks(&m.body, "ebs") {
                        if let Some((v, p)) = self.attr(&e.body, "encrypted") {
                            if v.truthy() == Some(false) {
                                self.hit(
                                    "tf-volume-unencrypted",
                                    Severity::Medium,
                                    p,
                                    format!("{what} EBS mapping is not encrypted"),
                                );
                            }
                        }
                    }
                }
                if let Some(a) = body.get_attribute("user_data") {
                    self.user_data(&a.value);
                }
            }
            "google_compute_instance" => {
                if let Some(a) = body.get_attribute("metadata_startup_script") {
                    self.user_data(&a.value);
                }
            }
            "aws_iam_policy"
            | "aws_iam_role_policy"
            | "aws_iam_user_policy"
            | "aws_iam_group_policy" => {
                if let Some((v, p)) = self.attr(body, "policy") {
                    if policy_statements(&v)
                        .iter()
                        .any(|s| allow(s) && action_star(s.get("Action")))
                    {
                        self.hit(
                            "tf-iam-wildcard",
                            Severity::High,
                            p,
                            format!("{what} allows action `*`"),
                        );
                    }
                }
            }
            "aws_kms_key" => {
                let spec = self
                    .attr(body, "customer_master_key_spec")
                    .or_else(|| self.attr(body, "key_spec"));
                let symmetric = spec
                    .as_ref()
                    .and_then(|v| v.0.as_str())
                    .is_none_or(|s| s == "SYMMETRIC_DEFAULT");
                if symmetric {
                    match self.attr(body, "enable_key_rotation") {
                        Some((v, _)) if v.truthy() != Some(false) => {}
                        Some((_, p)) => self.hit(
                            "tf-kms-rotation-off",
                            Severity::Medium,
                            p,
                            format!("{what} has key rotation off"),
                        ),
                        None => self.hit(
                            "tf-kms-rotation-off",
                            Severity::Medium,
                            at,
                            format!("{what} does not enable key rotation"),
                        ),
                    }
                }
            }
            "aws_cloudtrail" => match self.attr(body, "enable_log_file_validation") {
                Some((v, _)) if v.truthy() != Some(false) => {}
                Some((_, p)) => self.hit(
                    "tf-cloudtrail-validation-off",
                    Severity::Medium,
                    p,
                    format!("{what} has log file validation off"),
                ),
                None => self.hit(
                    "tf-cloudtrail-validation-off",
                    Severity::Medium,
                    at,
                    format!("{what} does not enable log file validation"),
                ),
            },
            _ => {}
        }
    }

    fn azure_rule(&mut self, body: &'b Body, at: usize, what: &str) {
        let s = |k: &str| {
            self.attr(body, k)
                .and_then(|v| v.0.as_str().map(str::to_ascii_lowercase))
        };
        if s("direction").as_deref() != Some("inbound") || s("access").as_deref() != Some("allow") {
            return;
        }
        let mut cidrs = Vec::new();
        for k in ["source_address_prefix", "source_address_prefixes"] {
            if let Some((v, _)) = self.attr(body, k) {
                cidrs.extend(v.strings());
            }
        }
        let mut ranges = Vec::new();
        for k in ["destination_port_range", "destination_port_ranges"] {
            if let Some((v, _)) = self.attr(body, k) {
                ranges.extend(v.strings().iter().filter_map(|p| parse_ports(p)));
            }
        }
        self.ingress(at, &cidrs, &ranges, what);
    }

    fn imds(&mut self, body: &'b Body, at: usize, what: &str) {
        let Some(m) = blocks(body, "metadata_options").next() else {
            self.hit(
                "tf-imdsv1",
                Severity::Medium,
                at,
                format!("{what} has no `metadata_options` (IMDSv1 allowed)"),
            );
            return;
        };
        match self.attr(&m.body, "http_tokens") {
            Some((Val::Str(s), _)) if s == "required" => {}
            Some((Val::Str(s), p)) => self.hit(
                "tf-imdsv1",
                Severity::Medium,
                p,
                format!("{what} sets `http_tokens = \"{s}\"` (IMDSv1 allowed)"),
            ),
            Some(_) => {}
            None => self.hit(
                "tf-imdsv1",
                Severity::Medium,
                pos(m),
                format!("{what} does not require IMDSv2 tokens"),
            ),
        }
    }

    fn user_data(&mut self, e: &Expression) {
        let Some(span) = e.span() else { return };
        let Some(re) = regex!(
            r#"(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"\n]*"|'[^'\n]*'|[^\s"']+)"#
        ) else {
            return;
        };
        let text = self.src.slice(span.clone());
        for c in re.captures_iter(text) {
            let (Some(k), Some(v)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let quoted = v.as_str().starts_with(['"', '\'']);
            let vstart = span.start + v.start() + usize::from(quoted);
            check_env(
                "tf-user-data-secret",
                k.as_str(),
                v.as_str(),
                span.start + k.start(),
                vstart,
                self.out,
            );
        }
    }

    fn policy_document(&mut self, b: &'b Block) {
        for st in blocks(&b.body, "statement") {
            let effect = self
                .attr(&st.body, "effect")
                .and_then(|v| v.0.as_str().map(str::to_string));
            if effect.as_deref().is_some_and(|e| e != "Allow") {
                continue;
            }
            if let Some((v, p)) = self.attr(&st.body, "actions") {
                if action_star(Some(&v)) {
                    let what = format!("data.aws_iam_policy_document.{}", label(b, 1));
                    self.hit(
                        "tf-iam-wildcard",
                        Severity::High,
                        p,
                        format!("{what} allows action `*`"),
                    );
                }
            }
        }
    }
}

fn policy_statements(v: &Val) -> Vec<Val> {
    let doc = match v {
        Val::Str(s) => serde_json::from_str::<serde_json::Value>(s)
            .map_or(Val::Unknown, |j| Val::from_json(&j)),
        other => other.clone(),
    };
    match doc.get("Statement") {
        Some(Val::List(l)) => l.clone(),
        Some(m @ Val::Map(_)) => vec![m.clone()],
        _ => Vec::new(),
    }
}

fn allow(s: &Val) -> bool {
    s.get("Effect").and_then(Val::as_str) == Some("Allow")
}

fn action_star(a: Option<&Val>) -> bool {
    a.is_some_and(|v| v.strings().iter().any(|x| x == "*" || x == "*:*"))
}

fn principal_star(s: &Val) -> bool {
    match s.get("Principal") {
        Some(Val::Str(p)) => p == "*",
        Some(m @ Val::Map(_)) => m
            .get("AWS")
            .is_some_and(|v| v.strings().iter().any(|x| x == "*")),
        _ => false,
    }
}

pub fn detect(src: &Source<'_>, out: &mut Vec<Hit>) -> Result<(), String> {
    let body = hcl_edit::parser::parse_body(&src.text).map_err(|e| {
        let s = e.to_string();
        s.lines().next().unwrap_or("parse error").to_string()
    })?;
    let mut cx = Ctx {
        vars: HashMap::new(),
        locals: HashMap::new(),
    };
    for v in blocks(&body, "variable") {
        if let Some(d) = v.body.get_attribute("default") {
            cx.vars.insert(label(v, 0).to_string(), &d.value);
        }
    }
    for l in blocks(&body, "locals") {
        for a in l.body.attributes() {
            cx.locals.insert(a.key.as_str().to_string(), &a.value);
        }
    }
    let mut ch = Checker { src, cx, out };
    for b in body.blocks() {
        match b.ident.as_str() {
            "resource" => ch.resource(label(b, 0), label(b, 1), b),
            "data" if label(b, 0) == "aws_iam_policy_document" => ch.policy_document(b),
            _ => {}
        }
    }
    Ok(())
}
