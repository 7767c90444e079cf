//! docker-compose and Kubernetes manifests (multi-document YAML) with positions.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::check_env;
use crate::finding::Severity;
use crate::source::{Hit, Source};

/// A YAML node with the byte offset of where it starts.
#[derive(Debug)]
enum Node {
    Map(Vec<(String, usize, Node)>),
    Seq(Vec<Node>),
    Scalar(String, usize),
    Other,
}

#[derive(Default)]
struct Builder {
    line_starts: Vec<usize>,
    docs: Vec<Node>,
    stack: Vec<Frame>,
}

enum Frame {
    Map(Vec<(String, usize, Node)>, Option<(String, usize)>),
    Seq(Vec<Node>),
}

impl Builder {
    fn offset(&self, m: &Marker) -> usize {
        let line = m.line().max(1) - 1;
        self.line_starts.get(line).copied().unwrap_or(0) + m.col()
    }

    fn push(&mut self, node: Node, at: usize) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq(v)) => v.push(node),
            Some(Frame::Map(entries, key)) => match key.take() {
                None => {
                    let k = match node {
                        Node::Scalar(s, _) => s,
                        _ => String::new(),
                    };
                    *key = Some((k, at));
                }
                Some((k, kat)) => entries.push((k, kat, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = self.offset(&mark);
        match ev {
            Event::Scalar(s, ..) => self.push(Node::Scalar(s, at), at),
            Event::Alias(_) => self.push(Node::Other, at),
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(Vec::new())),
            Event::MappingStart(..) => self.stack.push(Frame::Map(Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(v)) => Node::Seq(v),
                    Some(Frame::Map(e, _)) => Node::Map(e),
                    None => Node::Other,
                };
                self.push(node, at);
            }
            _ => {}
        }
    }
}

fn parse(src: &Source<'_>) -> Vec<Node> {
    let mut b = Builder::default();
    b.line_starts.push(0);
    b.line_starts
        .extend(memchr::memchr_iter(b'\n', src.bytes()).map(|i| i + 1));
    let mut parser = Parser::new_from_str(&src.text);
    // a parse error keeps the documents read so far
    let _ = parser.load(&mut b, true);
    b.docs
}

fn is_true(n: &Node) -> bool {
    matches!(n, Node::Scalar(s, _) if s.eq_ignore_ascii_case("true"))
}

/// Worth parsing: a YAML file that mentions one of the keys the rules look at.
pub fn wanted(src: &Source<'_>) -> bool {
    let n = &src.file_name;
    (n.ends_with(".yml") || n.ends_with(".yaml"))
        && [
            "privileged",
            "hostnetwork",
            "network_mode",
            "hostpid",
            "pid:",
            "docker.sock",
            "environment",
            "env:",
        ]
        .iter()
        .any(|k| src.lower().contains(k))
}

pub fn detect(src: &Source<'_>, out: &mut Vec<Hit>) {
    for doc in parse(src) {
        walk(src, &doc, &mut Vec::new(), out);
    }
}

fn walk<'n>(src: &Source<'_>, node: &'n Node, path: &mut Vec<&'n str>, out: &mut Vec<Hit>) {
    match node {
        Node::Map(entries) => {
            for (k, kat, v) in entries {
                let key = k.as_str();
                match key {
                    "privileged" if is_true(v) => out.push(Hit::config(
                        "container-privileged",
                        Severity::High,
                        *kat,
                        "container runs privileged".into(),
                    )),
                    "hostNetwork" | "hostPID" | "hostIPC" if is_true(v) => out.push(Hit::config(
                        "container-host-network",
                        Severity::Medium,
                        *kat,
                        format!("`{key}: true` shares the host's namespace"),
                    )),
                    "network_mode" | "pid" | "ipc" if matches!(v, Node::Scalar(s, _) if s == "host") => {
                        out.push(Hit::config(
                            "container-host-network",
                            Severity::Medium,
                            *kat,
                            format!("`{key}: host` shares the host's namespace"),
                        ))
                    }
                    "environment" => env_compose(src, v, out),
                    "env" => env_k8s(src, v, out),
                    _ => {}
                }
                path.push(key);
                walk(src, v, path, out);
                path.pop();
            }
        }
        Node::Seq(items) => {
            for i in items {
                walk(src, i, path, out);
            }
        }
        Node::Scalar(s, at) => {
            let mount = path
                .iter()
                .any(|p| matches!(*p, "volumes" | "hostPath" | "source" | "volumeMounts"));
            if mount && (s.contains("/docker.sock") || s.contains("docker.sock:")) {
                out.push(Hit::config(
                    "container-docker-socket",
                    Severity::High,
                    *at,
                    "the Docker socket is mounted into the container".into(),
                ));
            }
        }
        Node::Other => {}
    }
}

fn env_compose(src: &Source<'_>, v: &Node, out: &mut Vec<Hit>) {
    match v {
        Node::Map(entries) => {
            for (k, kat, val) in entries {
                if let Node::Scalar(s, at) = val {
                    check_env("deploy-secret-env", k, s, *kat, value_offset(src, *at), out);
                }
            }
        }
        Node::Seq(items) => {
            for i in items {
                if let Node::Scalar(s, at) = i {
                    if let Some((k, val)) = s.split_once('=') {
                        check_env(
                            "deploy-secret-env",
                            k,
                            val,
                            *at,
                            value_offset(src, *at) + k.len() + 1,
                            out,
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

fn env_k8s(src: &Source<'_>, v: &Node, out: &mut Vec<Hit>) {
    let Node::Seq(items) = v else { return };
    for i in items {
        let Node::Map(e) = i else { continue };
        let name = e.iter().find(|(k, ..)| k == "name");
        let value = e.iter().find(|(k, ..)| k == "value");
        if let (Some((_, _, Node::Scalar(n, _))), Some((_, kat, Node::Scalar(s, at)))) =
            (name, value)
        {
            check_env("deploy-secret-env", n, s, *kat, value_offset(src, *at), out);
        }
    }
}

/// Quoted scalars start at the quote; point past it.
fn value_offset(src: &Source<'_>, at: usize) -> usize {
    match src.bytes().get(at) {
        Some(b'"' | b'\'') => at + 1,
        _ => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(&'static str, u32)> {
        let src = Source::new("docker-compose.yml", text.as_bytes());
        let mut out = Vec::new();
        detect(&src, &mut out);
        out.iter()
            .map(|h| (h.rule, src.line_col(h.offset).0))
            .collect()
    }

    #[test]
    fn compose_rules_point_at_lines() {
        let y = "services:\n  geth:\n    image: x\n    privileged: true\n    network_mode: host\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n    environment:\n      POSTGRES_PASSWORD: s3cretpw\n      API_TOKEN: ${TOKEN}\n";
        assert_eq!(
            rules(y),
            [
                ("container-privileged", 4),
                ("container-host-network", 5),
                ("container-docker-socket", 7),
                ("hardcoded-db-password", 9),
            ]
        );
    }

    #[test]
    fn k8s_multi_document() {
        let y = "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: true\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      securityContext:\n        privileged: true\n      env:\n        - name: SIGNER_PRIVATE_KEY\n          value: \"q9f8d7s6a5s4d3f2\"\n";
        assert_eq!(
            rules(y),
            [
                ("container-host-network", 4),
                ("container-privileged", 12),
                ("deploy-secret-env", 15),
            ]
        );
    }
}
