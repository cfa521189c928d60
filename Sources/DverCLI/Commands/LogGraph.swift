import DverCore
import DverRepository

/// The lanes `dver log --graph` draws left of each commit, in git's style: `*` the commit,
/// `|` a line of history passing by, `|\` a merge opening a lane for its second parent,
/// `|/` two lanes meeting at a common parent.
struct LogGraph {
    /// The commit each lane waits for next.
    private var lanes: [ObjectID] = []

    /// The lines to print for `commit` (in `log` order): connector lines before it, the
    /// commit's own prefix, and connector lines after it; the caller appends text to `row`.
    mutating func draw(_ info: CommitInfo) -> (before: [String], row: String, after: [String]) {
        var before = [String]()
        var column = lanes.firstIndex(of: info.id) ?? lanes.count
        if column == lanes.count { lanes.append(info.id) }
        // Other lanes waiting for this commit end here.
        let merging = lanes.indices.filter { $0 > column && lanes[$0] == info.id }
        if !merging.isEmpty {
            // `|/`: a merging lane bends left into the one before it.
            var line = [Character](repeating: " ", count: 2 * lanes.count)
            for index in lanes.indices {
                if merging.contains(index) { line[2 * index - 1] = "/" } else { line[2 * index] = "|" }
            }
            before.append(String(String(line).reversed().drop { $0 == " " }.reversed()))
            for index in merging.reversed() { lanes.remove(at: index) }
        }
        column = lanes.firstIndex(of: info.id) ?? column
        let row = lanes.indices.map { $0 == column ? "*" : "|" }.joined(separator: " ")
        var after = [String]()
        let parents = info.commit.parents
        if let first = parents.first {
            lanes[column] = first
            var opened = 0
            for parent in parents.dropFirst() where !lanes.contains(parent) {
                lanes.insert(parent, at: column + 1 + opened)
                opened += 1
            }
            if opened > 0 {
                var line = ""
                for index in 0..<(lanes.count - opened) {
                    line += index == column ? "|" + String(repeating: "\\", count: opened) + " " : "| "
                }
                after.append(String(line.dropLast()))
            }
        } else {
            lanes.remove(at: column)
        }
        return (before, row, after)
    }
}
