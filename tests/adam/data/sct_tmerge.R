# R survival::tmerge on the SCT edge cases of sct_cases.csv; writes the counting-process rows.
# Usage: Rscript sct_tmerge.R sct_cases.csv out.csv
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
start <- as.Date(d$start_date)
d$os_time <- as.numeric(as.Date(d$end_date) - start) + 1
d$sct_time <- as.numeric(as.Date(d$sct_date) - start) + 1
base <- d[, c("id", "os_time", "died")]
td <- tmerge(base, base, id = id, death = event(os_time, died))
td <- tmerge(td, d, id = id, sct = tdc(sct_time))
out <- data.frame(id = td$id, tstart = td$tstart, tstop = td$tstop, death = td$death,
                  sct = td$sct)
write.csv(out, args[2], row.names = FALSE, quote = FALSE)
