import Foundation
import Yams

/// Parses pipeline YAML through Yams' node API, so every error names the file, line and column.
public struct SpecParser: Sendable {
    /// The file name used in error messages.
    public let file: String
    /// Added to YAML line numbers in messages (a document that starts further down the file).
    var lineOffset = 0

    public init(file: String) { self.file = file }

    /// Parses every pipeline of a spec file: YAML documents separated by `---`, or JSON objects
    /// one after another (Pachyderm writes both), in file order.
    /// - Returns: each spec with its document's text.
    /// - Throws: `PipelineError.invalidSpec` naming the file's line.
    public func parseAll(_ text: String) throws -> [(spec: PipelineSpec, text: String)] {
        let documents = try SpecDocuments.split(text, file: file)
        guard !documents.isEmpty else { throw error(at: nil, "the file is empty", hint: "see docs/PIPELINES.md for a spec example") }
        var result = [(spec: PipelineSpec, text: String)]()
        for document in documents {
            var parser = self
            parser.lineOffset = document.firstLine
            let root = try parser.compose(document.text)
            // A top-level list holds several pipelines (Pachyderm 2.1 and later).
            if case .sequence(let items) = root {
                for item in items { result.append((try parser.parse(node: item, json: document.isJSON), document.text)) }
            } else {
                result.append((try parser.parse(node: root, json: document.isJSON), document.text))
            }
        }
        return result
    }

    /// Parses one pipeline spec.
    /// - Throws: `PipelineError.invalidSpec` for YAML syntax errors, unknown fields and bad values.
    public func parse(_ text: String) throws -> PipelineSpec {
        let trimmed = text.drop { $0.isWhitespace }
        return try parse(node: try compose(text), json: trimmed.first == "{")
    }

    private func compose(_ text: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { throw error(at: nil, "the file is empty", hint: "see docs/PIPELINES.md for a spec example") }
            return node
        } catch let yaml as YamlError {
            throw syntaxError(yaml)
        }
    }

    /// A spec in Pachyderm's format gets Pachyderm's defaults (`datum_tries` 3): it is JSON, or
    /// spells a field in camelCase, or uses a field dver took from Pachyderm
    /// (`looksLikePachyderm`; docs/PIPELINES.md, "From Pachyderm").
    private func parse(node root: Node, json: Bool) throws -> PipelineSpec {
        let pachyderm = json || Self.looksLikePachyderm(root)
        var top = try mapping(root, "the spec")
        try refuseUnsupported(top)
        for (ours, theirs) in [("parallelism", "parallelism_spec"), ("resources", "resource_limits")] {
            if let node = top.peek(theirs), top.has(ours) {
                throw error(at: node, "both '\(ours)' and '\(theirs)' are given", hint: "keep one of them")
            }
        }
        let name = try pipelineName(&top)
        guard let inputNode = top.take("input") else { throw error(at: root, "missing field 'input'", hint: "add input: {pfs: {repo: REPO, glob: \"/*\"}}") }
        let parsedInput = try input(inputNode, pipeline: name)
        guard let transformNode = top.take("transform") else { throw error(at: root, "missing field 'transform'", hint: "add transform: {image: IMAGE, cmd: [...]}") }
        var notes = [String]()
        var spec = PipelineSpec(name: name, input: parsedInput, transform: try transform(transformNode, notes: &notes))
        if pachyderm { spec.datumTries = 3 }
        if let node = top.take("description") { spec.description = try string(node, "description") }
        if let node = top.take("runtime") {
            let text = try string(node, "runtime")
            guard let choice = RuntimeChoice(rawValue: text) else {
                throw error(at: node, "unknown runtime '\(text)'", hint: "use one of: \(RuntimeChoice.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            spec.runtime = choice
        }
        if let node = top.take("parallelism") { spec.parallelism = try positiveInt(node, "parallelism", max: 256) }
        if let node = top.take("datum_tries") { spec.datumTries = try count(node, "datum_tries", max: 100, zeroMeans: 3) }
        if let node = top.take("datum_timeout") { spec.datumTimeout = try duration(node) }
        if let node = top.take("resources") { spec.resources = try resources(node) }
        if let node = top.take("output_branch") { spec.outputBranch = try identifier(node, "output_branch") }
        if let node = top.take("executor") { spec.executor = try executor(node) }
        if let node = top.take("notes") { notes.insert(contentsOf: try strings(node, "notes"), at: 0) }
        try pachydermFields(&top, into: &spec, notes: &notes)
        try top.finish(self)
        spec.notes = notes
        try checkInputNames(spec, root: root)
        return spec
    }

    // MARK: Sections

    private func pipelineName(_ top: inout FieldReader) throws -> String {
        if let node = top.take("pipeline") {
            var section = try mapping(node, "pipeline")
            guard let nameNode = section.take("name") else { throw error(at: node, "missing field 'pipeline.name'", hint: "add pipeline: {name: NAME}") }
            if let project = section.take("project") { try defaultProject(project, "pipeline.project") }
            try section.finish(self)
            if top.has("name") { throw error(at: node, "both 'pipeline.name' and 'name' are given", hint: "keep one of them") }
            return try identifier(nameNode, "pipeline.name")
        }
        guard let nameNode = top.take("name") else { throw error(at: top.node, "missing field 'pipeline.name'", hint: "add pipeline: {name: NAME}") }
        return try identifier(nameNode, "name")
    }

    private func input(_ node: Node, pipeline: String) throws -> PipelineInput {
        var section = try mapping(node, "input")
        let kinds = ["pfs", "cross", "union", "join", "group", "cron"].filter { section.has($0) }
        guard kinds.count == 1, let kind = kinds.first, let value = section.take(kind) else {
            throw error(at: node, kinds.isEmpty ? "input needs one of pfs, cross, union, join, group, cron" : "input has both \(kinds.joined(separator: " and "))",
                        hint: "nest combinations: input: {cross: [{pfs: ...}, {pfs: ...}]}")
        }
        try section.finish(self)
        if kind == "pfs" { return .pfs(try pfs(value)) }
        if kind == "cron" { return .cron(try cron(value, pipeline: pipeline)) }
        guard case .sequence(let sequence) = value, sequence.count >= 1 else {
            throw error(at: value, "'\(kind)' must be a list of inputs", hint: "\(kind): [{pfs: {...}}, {pfs: {...}}]")
        }
        let inputs = try sequence.map { try input($0, pipeline: pipeline) }
        switch kind {
        case "cross": return .cross(inputs)
        case "union": return .union(inputs)
        case "group":
            for (position, item) in inputs.enumerated() {
                guard case .pfs = item else {
                    throw error(at: sequence[position], "each group input must be a pfs input (with 'group_by')", hint: "e.g. pfs: {repo: a, glob: \"/(*)-*.txt\", group_by: \"$1\"}")
                }
            }
            return .group(inputs)
        default:
            for (position, item) in inputs.enumerated() {
                guard case .pfs = item else {
                    throw error(at: sequence[position], "each join input must be a pfs input (with 'join_on')", hint: "e.g. pfs: {repo: a, glob: \"/(*).csv\", join_on: \"$1\"}")
                }
            }
            return .join(inputs)
        }
    }

    private func pfs(_ node: Node) throws -> PFSInput {
        var section = try mapping(node, "pfs")
        guard let repoNode = section.take("repo") else { throw error(at: node, "missing field 'repo'", hint: "pfs: {repo: REPO, glob: \"/*\"}") }
        let repo = try identifier(repoNode, "repo")
        var input = PFSInput(name: repo, repo: repo)
        if let value = section.take("name") { input.name = try identifier(value, "name") }
        if let value = section.take("branch") { input.branch = try identifier(value, "branch") }
        if let value = section.take("glob") {
            var glob = try string(value, "glob")
            // Pachyderm cleans "*" to "/*" and "a/" to "/a".
            if !glob.hasPrefix("/") { glob = "/" + glob }
            if glob.count > 1, glob.hasSuffix("/") { glob.removeLast() }
            input.glob = glob
            do { _ = try GlobPattern(input.glob) } catch let problem as GlobPattern.Problem {
                throw error(at: value, "bad glob '\(input.glob)': \(problem.reason)", hint: "globs start with '/', e.g. \"/*\", \"/*/*.csv\", \"/(*).csv\"")
            }
        }
        if let value = section.take("join_on") { input.joinOn = try string(value, "join_on") }
        if let value = section.take("outer_join") { input.outerJoin = try bool(value, "outer_join") }
        if let value = section.take("group_by") { input.groupBy = try string(value, "group_by") }
        if let value = section.take("commit") {
            let commit = try string(value, "commit")
            guard commit.count >= 4, commit.count <= 64, commit.allSatisfy(\.isHexDigit) else {
                throw error(at: value, "bad commit '\(commit)'", hint: "a commit id of the input repo, or a prefix of at least 4 hex digits")
            }
            input.commit = commit.lowercased()
        }
        if let value = section.take("empty_files") { input.emptyFiles = try bool(value, "empty_files") }
        if let value = section.take("lazy") { input.lazy = try bool(value, "lazy") }
        try pachydermPFSFields(&section, node: node)
        try section.finish(self)
        return input
    }

    private func transform(_ node: Node, notes: inout [String]) throws -> Transform {
        var section = try mapping(node, "transform")
        var result = Transform()
        if let value = section.take("image") { result.image = try string(value, "image") }
        guard let cmdNode = section.take("cmd") else { throw error(at: node, "missing field 'transform.cmd'", hint: "cmd: [\"sh\", \"-c\", \"...\"]") }
        result.cmd = try strings(cmdNode, "cmd")
        if result.cmd.isEmpty { throw error(at: cmdNode, "'cmd' is empty", hint: "cmd: [\"sh\", \"-c\", \"...\"]") }
        if let value = section.take("stdin") { result.stdin = try strings(value, "stdin") }
        if let value = section.take("env") {
            var env = try mapping(value, "env")
            for (key, item) in env.remaining() {
                let name = try string(key, "env name")
                guard !name.isEmpty, !name.contains("="), name.utf8.first.map({ !(0x30...0x39).contains($0) }) ?? false else {
                    throw error(at: key, "bad environment variable name '\(name)'", hint: "names are letters, digits and '_', not starting with a digit")
                }
                result.env[name] = try scalarText(item, "env.\(name)")
            }
        }
        if let value = section.take("working_dir") {
            let directory = try string(value, "working_dir")
            guard directory.hasPrefix("/") else { throw error(at: value, "working_dir must be an absolute path", hint: "e.g. working_dir: /pfs/out") }
            result.workingDirectory = directory
        }
        if let value = section.take("network") { result.network = try bool(value, "network") }
        try pachydermTransformFields(&section, into: &result, notes: &notes)
        try section.finish(self)
        return result
    }

    private func resources(_ node: Node) throws -> Resources {
        var section = try mapping(node, "resources")
        var result = Resources()
        if let value = section.take("memory") {
            let text = try scalarText(value, "memory")
            guard let bytes = SpecValues.bytes(text), bytes >= 1 << 20 else {
                throw error(at: value, "bad memory '\(text)'", hint: "a size of at least 1M, e.g. 512M, 2G or 1073741824")
            }
            result.memoryBytes = bytes
        }
        if let value = section.take("cpus") {
            let text = try scalarText(value, "cpus")
            guard let cpus = Double(text), cpus > 0, cpus <= 1024 else { throw error(at: value, "bad cpus '\(text)'", hint: "a positive number, e.g. 1 or 0.5") }
            result.cpus = cpus
        }
        try section.finish(self)
        return result
    }

    /// Input names must differ within one datum (cross, join); union branches may share a name,
    /// as their datums never meet.
    private func checkInputNames(_ spec: PipelineSpec, root: Node) throws {
        func names(_ input: PipelineInput) throws -> Set<String> {
            switch input {
            case .pfs(let pfs):
                if pfs.name == "out" { throw error(at: root, "an input cannot be named 'out' (that is /pfs/out)", hint: "set pfs.name to another name") }
                return [pfs.name]
            case .cron(let cron):
                if cron.name == "out" { throw error(at: root, "an input cannot be named 'out' (that is /pfs/out)", hint: "set cron.name to another name") }
                return [cron.name]
            case .union(let inputs):
                return try inputs.reduce(into: Set<String>()) { $0.formUnion(try names($1)) }
            case .cross(let inputs), .join(let inputs), .group(let inputs):
                var seen = Set<String>()
                for child in inputs {
                    let childNames = try names(child)
                    if let clash = childNames.intersection(seen).first {
                        throw error(at: root, "two inputs of one datum are named '\(clash)'", hint: "give each pfs input of a cross, join or group a distinct 'name'")
                    }
                    seen.formUnion(childNames)
                }
                return seen
            }
        }
        _ = try names(spec.input)
    }
}
