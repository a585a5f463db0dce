# R's survival package as the oracle for minihcvd.stats.
# Usage: Rscript tests/data/r_oracle/oracle.R <input dir> <output dir>
# For each dataset <name>.csv (id, time, status, group, x, z, sct_time; times in days) writes
# <name>_km.csv, _median.csv, _at.csv, _survdiff.csv, _cox.csv, _tmerge.csv, _followup.csv,
# _landmark.csv into the output dir, numbers as %.17g so tests can compare to 1e-6 or better.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
in_dir <- args[1]
out_dir <- if (length(args) >= 2) args[2] else args[1]
datasets <- c("edge", "ties", "registry")
at_days <- c(10, 25, 12, 24, 36) * c(1, 1, 30.4375, 30.4375, 30.4375)
landmark_days <- 60

num <- function(df) {
  for (col in names(df)) if (is.double(df[[col]])) df[[col]] <- sprintf("%.17g", df[[col]])
  df
}
save <- function(df, name, what) {
  write.csv(num(df), file.path(out_dir, paste0(name, "_", what, ".csv")), row.names = FALSE,
            quote = FALSE, na = "NA")
}
km_rows <- function(fit, label, ci) {
  data.frame(fit = label, ci_type = ci, time = as.double(fit$time),
             n_risk = as.double(fit$n.risk), n_event = as.double(fit$n.event),
             n_censor = as.double(fit$n.censor), surv = fit$surv, std_err = fit$std.err,
             lower = fit$lower, upper = fit$upper)
}
fits_of <- function(d, ci) {
  fits <- list(overall = survfit(Surv(time, status) ~ 1, data = d, conf.type = ci))
  for (g in sort(unique(d$group))) {
    fits[[paste0("group=", g)]] <- survfit(Surv(time, status) ~ 1, data = d[d$group == g, ],
                                           conf.type = ci)
  }
  fits
}
cox_rows <- function(fit, model) {
  s <- summary(fit)
  ci <- s$conf.int
  data.frame(model = model, term = rownames(s$coefficients), coef = unname(coef(fit)),
             se = s$coefficients[, "se(coef)"], hr = ci[, "exp(coef)"],
             lower = ci[, "lower .95"], upper = ci[, "upper .95"],
             p = s$coefficients[, "Pr(>|z|)"], loglik = fit$loglik[2],
             loglik_null = fit$loglik[1], lrt_p = unname(s$logtest["pvalue"]),
             n = as.double(fit$n), nevent = as.double(fit$nevent))
}

for (name in datasets) {
  d <- read.csv(file.path(in_dir, paste0(name, ".csv")))
  km <- list(); med <- list(); at <- list()
  for (ci in c("log-log", "log", "plain")) {
    fits <- fits_of(d, ci)
    for (label in names(fits)) {
      fit <- fits[[label]]
      km[[length(km) + 1]] <- km_rows(fit, label, ci)
      q <- quantile(fit, 0.5)
      med[[length(med) + 1]] <- data.frame(fit = label, ci_type = ci,
                                           median = unname(q$quantile),
                                           lower = unname(q$lower), upper = unname(q$upper))
      s <- summary(fit, times = at_days)
      at[[length(at) + 1]] <- data.frame(fit = label, ci_type = ci, time = as.double(s$time),
                                         surv = s$surv, lower = s$lower, upper = s$upper)
    }
  }
  save(do.call(rbind, km), name, "km")
  save(do.call(rbind, med), name, "median")
  save(do.call(rbind, at), name, "at")

  sd <- survdiff(Surv(time, status) ~ group, data = d)
  save(data.frame(group = sub("group=", "", names(sd$n)), n = as.double(sd$n),
                  observed = as.double(sd$obs), expected = as.double(sd$exp),
                  chisq = sd$chisq, df = as.double(length(sd$n) - 1),
                  p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)),
       name, "survdiff")

  base <- d[, c("id", "time", "status", "group", "x", "z")]
  td <- tmerge(base, base, id = id, event = event(time, status))
  td <- tmerge(td, d, id = id, sct = tdc(sct_time))
  save(td[, c("id", "tstart", "tstop", "event", "sct", "group", "x", "z")], name, "tmerge")

  # a group without events has an infinite coefficient: its models are left out
  group_models <- all(tapply(d$status, d$group, sum) > 0)
  cox <- rbind(
    cox_rows(coxph(Surv(time, status) ~ x, data = d, ties = "efron"), "x"),
    if (group_models)
      cox_rows(coxph(Surv(time, status) ~ group, data = d, ties = "efron"), "group"),
    if (group_models)
      cox_rows(coxph(Surv(time, status) ~ x + z + group, data = d, ties = "efron"), "x+z+group"),
    cox_rows(coxph(Surv(tstart, tstop, event) ~ sct, data = td, ties = "efron"), "sct"),
    cox_rows(coxph(Surv(tstart, tstop, event) ~ sct + x + z, data = td, ties = "efron"),
             "sct+x+z"))
  save(cox, name, "cox")

  rev <- survfit(Surv(time, 1 - status) ~ 1, data = d, conf.type = "log-log")
  q <- quantile(rev, 0.5)
  save(data.frame(median = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper)),
       name, "followup")

  lm <- d[d$time > landmark_days, ]
  lm$exposed <- ifelse(!is.na(lm$sct_time) & lm$sct_time <= landmark_days, "yes", "no")
  lm$time <- lm$time - landmark_days
  lsd <- survdiff(Surv(time, status) ~ exposed, data = lm)
  save(data.frame(group = sub("exposed=", "", names(lsd$n)), n = as.double(lsd$n),
                  observed = as.double(lsd$obs), chisq = lsd$chisq,
                  p = pchisq(lsd$chisq, length(lsd$n) - 1, lower.tail = FALSE)),
       name, "landmark")
}
