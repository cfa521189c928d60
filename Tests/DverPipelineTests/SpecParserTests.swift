@testable import DverPipeline
import Testing

@Suite("Spec parsing")
struct SpecParserTests {
    let parser = SpecParser(file: "pipelines/clean.yaml")

    @Test("a full spec parses into every field")
    func fullSpec() throws {
        let spec = try parser.parse("""
        pipeline:
          name: clean
        description: Upper-cases text
        input:
          cross:
            - pfs: {repo: raw, glob: "/*", branch: main, name: left}
            - union:
                - pfs: {repo: labels, glob: "/*/*.json"}
                - pfs: {repo: extra, glob: "/"}
        transform:
          image: localhost/busybox:latest
          cmd: ["sh", "-c", "cat /pfs/left/* > /pfs/out/x"]
          stdin: ["line one", "line two"]
          env: {MODE: fast, LEVEL: 3}
          working_dir: /pfs
          network: true
        runtime: bwrap
        parallelism: 4
        datum_tries: 3
        datum_timeout: 1h30m
        resources: {memory: 512M, cpus: 1.5}
        output_branch: results
        """)
        #expect(spec.name == "clean")
        #expect(spec.description == "Upper-cases text")
        #expect(spec.pfsInputs.map(\.name) == ["left", "labels", "extra"])
        #expect(spec.inputRepos == ["extra", "labels", "raw"])
        #expect(spec.transform.env == ["MODE": "fast", "LEVEL": "3"])
        #expect(spec.transform.stdin == ["line one", "line two"])
        #expect(spec.transform.workingDirectory == "/pfs")
        #expect(spec.transform.network)
        #expect(spec.runtime == .bwrap)
        #expect(spec.parallelism == 4)
        #expect(spec.datumTries == 3)
        #expect(spec.datumTimeout == 5400)
        #expect(spec.resources.memoryBytes == 512 << 20)
        #expect(spec.resources.cpus == 1.5)
        #expect(spec.outputBranch == "results")
    }

    @Test("defaults: top-level name, input named after its repo, glob /*, one try, auto runtime")
    func defaults() throws {
        let spec = try parser.parse("""
        name: tiny
        input: {pfs: {repo: raw}}
        transform: {cmd: [true]}
        """)
        #expect(spec.pfsInputs == [PFSInput(name: "raw", repo: "raw", branch: "main", glob: "/*")])
        #expect(spec.datumTries == 1 && spec.parallelism == 1 && spec.runtime == .auto && spec.datumTimeout == nil)
    }

    @Test("errors name the file, line and column, and give a hint", arguments: [
        ("name: a\ninput: {pfs: {repo: raw}}\ntransform:\n  cmd: [x]\n  imagee: busybox\n", 5, "unknown field 'imagee' in transform", "did you mean 'image'"),
        ("name: a\ninput: {pfs: {repo: raw}}\ntransform: {cmd: [x]}\nparallelism: 0\n", 4, "'parallelism' must be a whole number", nil),
        ("name: a\ninput: {pfs: {repo: raw}}\ntransform: {cmd: [x]}\ndatum_timeout: soon\n", 4, "bad datum_timeout 'soon'", "30s"),
        ("name: a\ninput: {pfs: {repo: raw}}\ntransform: {cmd: [x]}\nruntime: kubernetes\n", 4, "unknown runtime 'kubernetes'", "podman"),
        ("name: a\ninput: {pfs: {repo: raw, glob: \"/(*\"}}\ntransform: {cmd: [x]}\n", 2, "bad glob '/(*'", "start with '/'"),
        ("name: a\ninput:\n  pfs: {repo: raw}\ntransform: {cmd: [x]}\nresources: {memory: lots}\n", 5, "bad memory 'lots'", "512M"),
        ("name: a\ninput: {pfs: {repo: raw}}\n", 1, "missing field 'transform'", nil),
        ("name: a\ninput:\n  join:\n    - cross: [{pfs: {repo: a}}]\ntransform: {cmd: [x]}\n", 4, "join input must be a pfs input", "join_on"),
        ("name: a\ninput: {pfs: {repo: raw}\ntransform: {cmd: [x]}\n", 3, "YAML syntax error", nil),
        ("name: a b\ninput: {pfs: {repo: raw}}\ntransform: {cmd: [x]}\n", 1, "bad name 'a b'", nil),
        ("name: a\ninput: {pfs: {repo: raw, name: out}}\ntransform: {cmd: [x]}\n", 1, "cannot be named 'out'", nil),
    ] as [(String, Int, String, String?)])
    func errorsHavePositions(yaml: String, line: Int, problem: String, hint: String?) throws {
        let error = try #require(throws: PipelineError.self) { try parser.parse(yaml) }
        guard case .invalidSpec(let file, let errorLine, _, let text, let errorHint) = error else {
            Issue.record("not a spec error: \(error)")
            return
        }
        #expect(file == "pipelines/clean.yaml")
        #expect(errorLine == line, "\(error)")
        #expect(text.contains(problem), "\(error)")
        if let hint { #expect(errorHint?.contains(hint) == true, "\(error)") }
        #expect(error.description.hasPrefix("pipelines/clean.yaml:\(line):"))
    }

    @Test("input names: distinct within a cross, shared across union branches")
    func inputNames() throws {
        let union = try parser.parse("name: u\ninput:\n  union:\n    - pfs: {repo: a, name: in}\n    - pfs: {repo: b, name: in}\ntransform: {cmd: [x]}\n")
        #expect(union.pfsInputs.map(\.name) == ["in", "in"])
        let error = try #require(throws: PipelineError.self) {
            try parser.parse("name: c\ninput:\n  cross:\n    - pfs: {repo: a, name: in}\n    - pfs: {repo: b, name: in}\ntransform: {cmd: [x]}\n")
        }
        #expect(error.description.contains("two inputs of one datum are named 'in'"))
    }

    @Test("the spec hash changes with the transform and not with formatting")
    func specHash() throws {
        let a = try parser.parse("name: a\ninput: {pfs: {repo: raw}}\ntransform: {cmd: [x]}\n")
        let b = try parser.parse("name: a\n\ninput:\n  pfs:\n    repo: raw\ntransform:\n  cmd: [\"x\"]\n")
        let c = try parser.parse("name: a\ninput: {pfs: {repo: raw}}\ntransform: {cmd: [y]}\n")
        #expect(a.hash == b.hash)
        #expect(a.hash != c.hash)
    }

    @Test("sizes and durations", arguments: [("512M", UInt64(512 << 20)), ("2G", UInt64(2 << 30)), ("1Gi", UInt64(1 << 30)), ("1048576", UInt64(1 << 20))])
    func sizes(text: String, bytes: UInt64) {
        #expect(SpecValues.bytes(text) == bytes)
    }

    @Test("durations")
    func durations() {
        #expect(SpecValues.seconds("30s") == 30)
        #expect(SpecValues.seconds("10m") == 600)
        #expect(SpecValues.seconds("1h30m") == 5400)
        #expect(SpecValues.seconds("500ms") == 0.5)
        #expect(SpecValues.seconds("2") == 2)
        #expect(SpecValues.seconds("10x") == nil)
    }
}
