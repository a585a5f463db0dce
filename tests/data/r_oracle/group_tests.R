# R's tests for Table 1/2 comparisons on the cases in group_tests.csv.
# Usage: Rscript tests/data/r_oracle/group_tests.R <input dir> <output dir>
# A table is "a b|c d|..." (rows = levels, columns = groups); chi-squared without continuity
# correction when every expected count is >= 5, otherwise fisher.test; wilcox.test defaults.
args <- commandArgs(trailingOnly = TRUE)
cases <- read.csv(file.path(args[1], "group_tests.csv"), stringsAsFactors = FALSE)
numbers <- function(text) as.numeric(strsplit(text, " ")[[1]])
p <- sapply(seq_len(nrow(cases)), function(i) {
  if (cases$kind[i] == "table") {
    rows <- lapply(strsplit(cases$first[i], "\\|")[[1]], numbers)
    m <- do.call(rbind, rows)
    expected <- outer(rowSums(m), colSums(m)) / sum(m)
    if (min(expected) >= 5) chisq.test(m, correct = FALSE)$p.value else fisher.test(m)$p.value
  } else {
    suppressWarnings(wilcox.test(numbers(cases$first[i]), numbers(cases$second[i]))$p.value)
  }
})
write.csv(data.frame(case = cases$case, p = sprintf("%.17g", p)),
          file.path(args[2], "group_tests_p.csv"), row.names = FALSE, quote = FALSE)
