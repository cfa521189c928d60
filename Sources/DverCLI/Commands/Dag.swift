import ArgumentParser
import DverPipeline

struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag",
        abstract: "Show the pipeline graph: input repos → pipelines → output repos.",
        discussion: """
        Examples:
          dver dag
          dver dag --dot | dot -Tsvg > dag.svg
          dver dag --json
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print Graphviz dot.")
    var dot = false

    func run() throws {
        let runner = JobRunner(project: try global.project())
        let specs = PipelineCatalog.topologicalOrder(try runner.catalog.all().map(\.spec))
        if global.json {
            struct Edge: Encodable { let from: String; let to: String; let glob: String? }
            var edges = [Edge]()
            for spec in specs {
                for input in spec.pfsInputs { edges.append(Edge(from: "repo:\(input.repo)", to: "pipeline:\(spec.name)", glob: input.glob)) }
                edges.append(Edge(from: "pipeline:\(spec.name)", to: "repo:\(spec.name)", glob: nil))
            }
            try global.console.emit(edges)
            return
        }
        if dot {
            var lines = ["digraph dver {", "  rankdir=LR;"]
            let outputs = Set(specs.map(\.name))
            let repos = Set(specs.flatMap(\.inputRepos)).union(outputs).sorted()
            for repo in repos { lines.append("  \"repo:\(repo)\" [shape=box, label=\"\(repo)\"];") }
            for spec in specs {
                lines.append("  \"pipeline:\(spec.name)\" [shape=ellipse, style=filled, fillcolor=lightblue, label=\"\(spec.name)\"];")
                for input in spec.pfsInputs {
                    lines.append("  \"repo:\(input.repo)\" -> \"pipeline:\(spec.name)\" [label=\"\(input.glob.replacingOccurrences(of: "\"", with: "\\\""))\"];")
                }
                lines.append("  \"pipeline:\(spec.name)\" -> \"repo:\(spec.name)\";")
            }
            lines.append("}")
            global.console.data(lines.joined(separator: "\n"))
            return
        }
        if specs.isEmpty { global.console.notice("no pipelines") }
        for spec in specs {
            let inputs = spec.pfsInputs.map { "\($0.repo)@\($0.branch) \($0.glob)" }.joined(separator: ", ")
            global.console.data("\(inputs) -> [\(spec.name)] -> \(spec.name)@\(spec.outputBranch)")
        }
    }
}
