//! An owned, trivia-free copy of slang's concrete syntax tree with byte offsets.
//!
//! Detectors walk this instead of slang's cursor: children are plain vectors, every node knows
//! its byte range, and terminals keep their text.

use slang_solidity::cst::{EdgeLabel, Node as SlangNode, NonterminalKind, TerminalKind};

/// What a node is: a grammar rule (nonterminal) or a token (terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Rule(NonterminalKind),
    Token(TerminalKind),
}

/// One syntax node.
#[derive(Clone, Debug)]
pub struct Node {
    pub kind: Kind,
    pub label: EdgeLabel,
    /// Byte range in the file.
    pub start: usize,
    pub end: usize,
    /// Token text (empty for rules).
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn from_slang(root: &SlangNode, label: EdgeLabel, offset: usize) -> (Node, usize) {
        match root {
            SlangNode::Terminal(t) => {
                let end = offset + t.text.len();
                (
                    Node {
                        kind: Kind::Token(t.kind),
                        label,
                        start: offset,
                        end,
                        text: t.text.clone(),
                        children: Vec::new(),
                    },
                    end,
                )
            }
            SlangNode::Nonterminal(n) => {
                let mut children = Vec::with_capacity(n.children.len());
                let mut at = offset;
                let mut first = None;
                let mut last = offset;
                for e in &n.children {
                    let (c, next) = Node::from_slang(&e.node, e.label, at);
                    at = next;
                    if e.node.is_trivia() {
                        continue;
                    }
                    first.get_or_insert(c.start);
                    last = c.end;
                    children.push(c);
                }
                // INVARIANT: wrapper rules (Expression, Statement, TypeName, ...) with one
                // `Variant` child are replaced by that child, keeping the outer edge label.
                if children.len() == 1 && children[0].label == EdgeLabel::Variant {
                    if let Some(mut only) = children.pop() {
                        only.label = label;
                        return (only, at);
                    }
                }
                (
                    Node {
                        kind: Kind::Rule(n.kind),
                        label,
                        start: first.unwrap_or(offset),
                        end: last.max(first.unwrap_or(offset)),
                        text: String::new(),
                        children,
                    },
                    at,
                )
            }
        }
    }

    pub fn is(&self, k: NonterminalKind) -> bool {
        self.kind == Kind::Rule(k)
    }

    pub fn is_token(&self, k: TerminalKind) -> bool {
        self.kind == Kind::Token(k)
    }

    /// First direct child with this edge label.
    pub fn child(&self, label: EdgeLabel) -> Option<&Node> {
        self.children.iter().find(|c| c.label == label)
    }

    /// First direct child of this kind.
    pub fn child_kind(&self, k: NonterminalKind) -> Option<&Node> {
        self.children.iter().find(|c| c.is(k))
    }

    /// Every descendant (pre-order, self included) satisfying `f`.
    pub fn find_all<'a>(&'a self, f: &dyn Fn(&Node) -> bool, out: &mut Vec<&'a Node>) {
        if f(self) {
            out.push(self);
        }
        for c in &self.children {
            c.find_all(f, out);
        }
    }

    /// Pre-order visit; `f` returns false to skip a subtree.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Node) -> bool) {
        if f(self) {
            for c in &self.children {
                c.walk(f);
            }
        }
    }

    /// The source text of the node without trivia, with spaces only where they read better.
    pub fn tokens(&self) -> String {
        let mut out = String::new();
        self.walk(&mut |n| {
            if let Kind::Token(_) = n.kind {
                let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
                let prev_word = out.chars().last().is_some_and(word);
                let next_word = n.text.chars().next().is_some_and(word);
                let op = |c: char| "=<>!&|+-*/%^".contains(c);
                let prev_op = out.chars().last().is_some_and(op);
                let next_op = n.text.chars().next().is_some_and(op);
                if (prev_word && next_word)
                    || (prev_op != next_op && (prev_op && next_word || prev_word && next_op))
                {
                    out.push(' ');
                }
                out.push_str(&n.text);
            }
            true
        });
        out
    }

    /// The source text of the node without trivia, tokens joined without spaces.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.walk(&mut |n| {
            if let Kind::Token(_) = n.kind {
                out.push_str(&n.text);
            }
            true
        });
        out
    }

    /// Text of the first identifier token below (or at) this node.
    pub fn first_ident(&self) -> Option<&str> {
        let mut found = None;
        self.walk(&mut |n| {
            if found.is_some() {
                return false;
            }
            if n.is_token(TerminalKind::Identifier) {
                found = Some(n.text.as_str());
            }
            true
        });
        found
    }

    /// Is there any descendant satisfying `f`?
    pub fn any(&self, f: &dyn Fn(&Node) -> bool) -> bool {
        f(self) || self.children.iter().any(|c| c.any(f))
    }
}

/// Prints the tree (for exploring the grammar).
pub fn dump(n: &Node, depth: usize, out: &mut String) {
    use std::fmt::Write;
    let _ = match n.kind {
        Kind::Rule(k) => writeln!(out, "{:w$}{:?}:{:?}", "", n.label, k, w = depth * 2),
        Kind::Token(k) => writeln!(
            out,
            "{:w$}{:?}:{:?} {:?}",
            "",
            n.label,
            k,
            n.text,
            w = depth * 2
        ),
    };
    for c in &n.children {
        dump(c, depth + 1, out);
    }
}
