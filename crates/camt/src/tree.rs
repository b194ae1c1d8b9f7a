//! A small element tree for one record (an entry with its details, or a statement header), kept
//! in two reusable buffers so that reading a million entries allocates almost nothing.
//!
//! Elements are found by local name, so their order in the file does not matter.

pub(crate) type NodeId = usize;
const NONE: usize = usize::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    name: (usize, usize),
    text: (usize, usize),
    ccy: Option<(usize, usize)>,
    parent: usize,
    first_child: usize,
    last_child: usize,
    next: usize,
    offset: u64,
    line: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    strings: String,
}

impl Tree {
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.strings.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    fn push_str(&mut self, s: &str) -> (usize, usize) {
        let start = self.strings.len();
        self.strings.push_str(s);
        (start, self.strings.len())
    }

    /// Adds an element under `parent` (`None` for the root) and returns its id.
    pub(crate) fn open(&mut self, parent: Option<NodeId>, name: &str, ccy: Option<&str>, offset: u64, line: u64) -> NodeId {
        let name = self.push_str(name);
        let ccy = ccy.map(|c| self.push_str(c));
        let id = self.nodes.len();
        let parent = parent.unwrap_or(NONE);
        self.nodes.push(Node { name, text: (0, 0), ccy, parent, first_child: NONE, last_child: NONE, next: NONE, offset, line });
        if parent != NONE {
            let p = &mut self.nodes[parent];
            if p.first_child == NONE {
                p.first_child = id;
            } else {
                let last = p.last_child;
                self.nodes[last].next = id;
            }
            self.nodes[parent].last_child = id;
        }
        id
    }

    /// Appends character data to an element.
    pub(crate) fn append_text(&mut self, id: NodeId, text: &str) {
        let (start, end) = self.nodes[id].text;
        if start == end {
            self.nodes[id].text = self.push_str(text);
        } else if end == self.strings.len() {
            self.strings.push_str(text);
            self.nodes[id].text.1 = self.strings.len();
        } else {
            // Text interrupted by a child element (mixed content, never in camt): move it to the end.
            let old = self.strings[start..end].to_owned();
            let new_start = self.strings.len();
            self.strings.push_str(&old);
            self.strings.push_str(text);
            self.nodes[id].text = (new_start, self.strings.len());
        }
    }

    pub(crate) fn name(&self, id: NodeId) -> &str {
        let (s, e) = self.nodes[id].name;
        &self.strings[s..e]
    }

    /// The text, trimmed of surrounding whitespace.
    pub(crate) fn text(&self, id: NodeId) -> &str {
        let (s, e) = self.nodes[id].text;
        self.strings[s..e].trim()
    }

    /// The `Ccy` attribute, when present.
    pub(crate) fn ccy(&self, id: NodeId) -> Option<&str> {
        self.nodes[id].ccy.map(|(s, e)| &self.strings[s..e])
    }

    pub(crate) fn offset(&self, id: NodeId) -> u64 {
        self.nodes[id].offset
    }

    pub(crate) fn line(&self, id: NodeId) -> u64 {
        self.nodes[id].line
    }

    pub(crate) fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id].parent;
        (p != NONE).then_some(p)
    }

    pub(crate) fn children(&self, id: NodeId) -> Children<'_> {
        Children { tree: self, next: self.nodes[id].first_child }
    }

    pub(crate) fn children_named<'a>(&'a self, id: NodeId, name: &'a str) -> impl Iterator<Item = NodeId> + 'a {
        self.children(id).filter(move |&c| self.name(c) == name)
    }

    pub(crate) fn child(&self, id: NodeId, name: &str) -> Option<NodeId> {
        self.children(id).find(|&c| self.name(c) == name)
    }

    /// The first element along a path of child names.
    pub(crate) fn get(&self, id: NodeId, path: &[&str]) -> Option<NodeId> {
        path.iter().try_fold(id, |n, name| self.child(n, name))
    }

    /// The trimmed, non-empty text at a path.
    pub(crate) fn text_at(&self, id: NodeId, path: &[&str]) -> Option<&str> {
        self.get(id, path).map(|n| self.text(n)).filter(|t| !t.is_empty())
    }

    /// The path from the root's child down to `id`, with `[n]` (1-based) where a parent has more
    /// than one child of that name; empty for the root itself.
    pub(crate) fn rel_path(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut n = id;
        while let Some(p) = self.parent(n) {
            let name = self.name(n);
            let same: Vec<NodeId> = self.children_named(p, name).collect();
            if same.len() > 1 {
                let pos = same.iter().position(|&c| c == n).map_or(0, |i| i + 1);
                parts.push(format!("{name}[{pos}]"));
            } else {
                parts.push(name.to_owned());
            }
            n = p;
        }
        parts.reverse();
        parts.join("/")
    }
}

pub(crate) struct Children<'a> {
    tree: &'a Tree,
    next: usize,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.tree.nodes[id].next;
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_finds_by_path() {
        let mut t = Tree::default();
        let root = t.open(None, "Ntry", None, 0, 1);
        let amt = t.open(Some(root), "Amt", Some("EUR"), 5, 2);
        t.append_text(amt, " 1.50 ");
        let d1 = t.open(Some(root), "TxDtls", None, 9, 3);
        let d2 = t.open(Some(root), "TxDtls", None, 12, 4);
        let r = t.open(Some(d2), "Refs", None, 13, 5);
        assert_eq!(t.text(amt), "1.50");
        assert_eq!(t.ccy(amt), Some("EUR"));
        assert_eq!(t.children_named(root, "TxDtls").collect::<Vec<_>>(), vec![d1, d2]);
        assert_eq!(t.rel_path(r), "TxDtls[2]/Refs");
        assert_eq!(t.rel_path(amt), "Amt");
        assert_eq!(t.get(root, &["TxDtls", "Refs"]), None, "first TxDtls has no Refs");
    }

    #[test]
    fn interrupted_text_is_kept_whole() {
        let mut t = Tree::default();
        let root = t.open(None, "A", None, 0, 1);
        t.append_text(root, "ab");
        let b = t.open(Some(root), "B", None, 0, 1);
        t.append_text(b, "x");
        t.append_text(root, "cd");
        assert_eq!(t.text(root), "abcd");
        assert_eq!(t.text(b), "x");
    }
}
