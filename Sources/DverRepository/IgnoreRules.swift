import DverCore
import DverSystem

/// `.dverignore` files (gitignore syntax, `PathPattern`): at the project root and in any
/// directory, each applying to the paths below its directory, deeper files and later lines
/// winning. Built-in defaults come first, so a file can re-include them (`!.DS_Store`).
/// Honoured by `add` and `status` for files the index does not track; a tracked file stays
/// tracked whatever the rules say (as in git), and an ignored directory holding no tracked
/// file is not descended.
public struct IgnoreRules: Sendable {
    public static let fileName = ".dverignore"
    /// What nobody wants versioned: macOS and Windows folder files, Jupyter checkpoints, editor
    /// swap and backup files.
    public static let defaults = PathPatternList(text: """
        .DS_Store
        Thumbs.db
        .ipynb_checkpoints/
        *.swp
        *.swo
        *~
        .#*
        """)
    /// A file larger than this is not read (its rules are not applied; a warning could not be
    /// shown from a parallel walk, so `status` is where such a file would be noticed).
    static let maximumFileSize: Int64 = 1 << 20

    /// (directory holding the file, its patterns), from the root down.
    private(set) var layers: [(directory: String, patterns: PathPatternList)] = [("", IgnoreRules.defaults)]

    /// The rules that apply inside the project-relative `directory`: the defaults, then every
    /// `.dverignore` from the project root down to `directory` itself.
    public static func forDirectory(_ directory: String, root: String) -> IgnoreRules {
        var rules = IgnoreRules()
        rules = rules.adding("", root: root)
        var path = ""
        for component in RepoPath.components(directory) {
            path = RepoPath.join(path, String(component))
            rules = rules.adding(path, root: root)
        }
        return rules
    }

    /// These rules plus the `.dverignore` of `directory`, if it has one.
    public func adding(_ directory: String, root: String) -> IgnoreRules {
        let file = directory.isEmpty ? "\(root)/\(Self.fileName)" : "\(root)/\(directory)/\(Self.fileName)"
        guard let status = try? FileSystem.status(file), status.kind == .regular, status.size <= Self.maximumFileSize,
              let bytes = try? FileSystem.readFile(file) else { return self }
        var rules = self
        rules.layers.append((directory, PathPatternList(text: String(decoding: bytes, as: UTF8.self))))
        return rules
    }

    /// Whether a project-relative path is ignored: by a rule for it, or because a directory
    /// above it is (as in git, nothing inside an ignored directory is re-included).
    public func isIgnored(_ path: String, isDirectory: Bool) -> Bool {
        var parent = RepoPath.parent(path)
        while !parent.isEmpty {
            if decide(parent, isDirectory: true) { return true }
            parent = RepoPath.parent(parent)
        }
        return decide(path, isDirectory: isDirectory)
    }

    /// `isIgnored` for a walk that already knows whether the directory holding `path` is
    /// ignored, so only the rules for `path` itself are matched.
    public func isIgnored(_ path: String, isDirectory: Bool, parentIgnored: Bool) -> Bool {
        parentIgnored || decide(path, isDirectory: isDirectory)
    }

    private func decide(_ path: String, isDirectory: Bool) -> Bool {
        var decision = false
        for layer in layers {
            let relative: String
            if layer.directory.isEmpty {
                relative = path
            } else if path.hasPrefix(layer.directory + "/") {
                relative = String(path.dropFirst(layer.directory.count + 1))
            } else {
                continue
            }
            if let verdict = layer.patterns.decision(relative, isDirectory: isDirectory) { decision = verdict }
        }
        return decision
    }
}
