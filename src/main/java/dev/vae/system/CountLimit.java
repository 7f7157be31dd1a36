package dev.vae.system;

import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Limits on how many rows a table holds, enforced in the database so that they hold
 * across threads and replicas: the count and the insert run in one transaction that first
 * locks the table's row in {@code row_limits} ({@code SELECT … FOR UPDATE}), so a second
 * inserter, here or on another replica, waits and then counts the first one's row. A
 * check before the insert, without the lock, let twenty concurrent uploads at 95 of 100
 * store 101.
 */
@Component
public class CountLimit {

	/** The tables with a limit, and what a refusal calls their rows. */
	private static final Map<String, String> TABLES = Map.of("datasets", "datasets", "models", "models");

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	CountLimit(JdbcClient jdbc, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.transactions = transactions;
	}

	/**
	 * Runs {@code insert} if {@code table} holds fewer than {@code max} rows, atomically;
	 * else a 409 naming the limit and its setting.
	 */
	public void insert(String table, long max, String setting, Runnable insert) {
		if (!TABLES.containsKey(table)) {
			throw new IllegalArgumentException("no row limit for table " + table);
		}
		this.transactions.executeWithoutResult((status) -> {
			this.jdbc.sql("SELECT name FROM row_limits WHERE name = :name FOR UPDATE")
				.param("name", table)
				.query(String.class)
				.list();
			long count = this.jdbc.sql("SELECT COUNT(*) FROM " + table).query(Long.class).single();
			if (count >= max) {
				throw full(table, max, setting);
			}
			insert.run();
		});
	}

	/** A cheap early refusal before expensive work; the insert checks again. */
	public void check(String table, long max, String setting) {
		long count = this.jdbc.sql("SELECT COUNT(*) FROM " + table).query(Long.class).single();
		if (count >= max) {
			throw full(table, max, setting);
		}
	}

	private static ConflictException full(String table, long max, String setting) {
		return new ConflictException("there are " + max + " " + TABLES.get(table) + ", the configured maximum ("
				+ setting + "); delete one first");
	}

}
