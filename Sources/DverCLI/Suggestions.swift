import ArgumentParser
import Foundation

/// "Did you mean …" for a mistyped command: the closest known name within a small edit
/// distance (ArgumentParser already suggests options).
enum Suggestions {
    /// The command path the arguments name (`["pipeline", "create"]`), and the first argument
    /// that is neither a known command nor an option, if it comes where a command should.
    static func commandPath(_ arguments: [String]) -> (path: [ParsableCommand.Type], unknown: String?) {
        var path: [ParsableCommand.Type] = [Dver.self]
        for argument in arguments {
            if argument.hasPrefix("-") || argument == "help" { break }
            let children = path.last?.configuration.subcommands ?? []
            guard !children.isEmpty else { break }
            guard let next = children.first(where: { $0._commandName == argument || $0.configuration.aliases.contains(argument) }) else {
                return (path, argument)
            }
            path.append(next)
        }
        return (path, nil)
    }

    /// A message for an unknown command, or nil when the arguments name one.
    static func unknownCommand(_ arguments: [String]) -> String? {
        let (path, unknown) = commandPath(arguments)
        guard let unknown, let parent = path.last else { return nil }
        let names = parent.configuration.subcommands.map { $0._commandName }
        let prefix = (["dver"] + path.dropFirst().map { $0._commandName }).joined(separator: " ")
        var text = "'\(unknown)' is not a \(prefix) command"
        if let close = closest(unknown, in: names) { text += "; did you mean '\(prefix) \(close)'?" }
        return text + " ('\(prefix) --help' lists the commands)"
    }

    static func closest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance($0, word)) }.filter { $0.1 <= max(2, word.count / 3) }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    /// Levenshtein distance, with a swap of two neighbours counted as one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1) }
            }
        }
        return table[a.count][b.count]
    }
}
