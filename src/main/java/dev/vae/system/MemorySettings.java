package dev.vae.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How much of the process's memory training jobs and model imports may hold: the heap
 * limit (-Xmx) and the native limit (JavaCPP's {@code org.bytedeco.javacpp.maxBytes},
 * which ND4J's arrays count against), each less what serving keeps.
 *
 * @param heapReserve heap kept for serving (requests, images, uploads, loaded models)
 * @param nativeReserve native memory kept for serving (inference passes, loaded models)
 * @param heapLimit the heap to plan with; unset: the JVM's maximum heap
 * @param nativeLimit the native memory to plan with; unset: JavaCPP's maxBytes
 */
@ConfigurationProperties("vae.memory")
public record MemorySettings(@DefaultValue("256MB") DataSize heapReserve, @DefaultValue("128MB") DataSize nativeReserve,
		DataSize heapLimit, DataSize nativeLimit) {
}
